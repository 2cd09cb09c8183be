"""The Study page's registrations, linked notices, COI and grants, and appraisal (issue 14), on
real NLM records (tests/data/pubmed_xml/reviewer-fields.xml) loaded into a real warehouse and
shown through Streamlit's AppTest."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.article import Article
from dashboards.records import registry_link
from pubmed.parser import iter_records
from warehouse.db import RunLoad, Warehouse

FIELDS_XML = Path(__file__).resolve().parent / "data" / "pubmed_xml" / "reviewer-fields.xml"
EUDRACT_TRIAL = "34093015"  # EudraCT 2005-000826-22 and 2015-001639-19, a COI statement
ISRCTN_TRIAL = "32385741"  # ISRCTN15535800
WITH_ERRATUM = "21388667"  # ErratumIn 34092359; three NIH grants
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with FIELDS_XML.open("rb") as stream:
        articles = [r for r in iter_records(stream) if isinstance(r, Article)]
    path = tmp_path_factory.mktemp("study-page") / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        run = wh.start_run(
            window_start=date(2021, 1, 1), window_end=date(2021, 6, 30), flow_run_id=None
        )
        wh.load_run(run, RunLoad(articles=articles, window_end=date(2021, 6, 30)))
        wh.publish_snapshot()
    return path


def study(db: Path, pmid: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EVIDENCE_DB", str(db))
    monkeypatch.delenv("EVIDENCE_REVIEWER_HEADER", raising=False)
    at = AppTest.from_string(
        "from dashboards.screens.study import render\nrender()\n", default_timeout=60
    )
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.query_params["pmid"] = pmid
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def links(at: AppTest) -> dict[str, str]:
    """Every link the page drew as HTML: its text -> its address."""
    found = {}
    for block in at.html:
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block.value):
            found[text] = href
    return found


def test_registrations_link_to_each_registrys_record(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = links(study(warehouse, EUDRACT_TRIAL, monkeypatch))
    assert shown["EU Clinical Trials Register: EUCTR2005-000826-22"] == (
        "https://www.clinicaltrialsregister.eu/ctr-search/search?query=2005-000826-22"
    )
    assert "EU Clinical Trials Register: EUCTR2015-001639-19" in shown
    shown = links(study(warehouse, ISRCTN_TRIAL, monkeypatch))
    assert shown["ISRCTN registry: ISRCTN15535800"] == "https://www.isrctn.com/ISRCTN15535800"


def test_registry_links_for_other_registries() -> None:
    assert registry_link("NCT02493868") == (
        "ClinicalTrials.gov",
        "https://clinicaltrials.gov/study/NCT02493868",
    )
    assert registry_link("ACTRN12615000123456")[1] == (
        "https://www.anzctr.org.au/ACTRN12615000123456.aspx"
    )
    assert registry_link("CTRI/2018/02/011664") == (
        "WHO ICTRP",
        "https://trialsearch.who.int/Trial2.aspx?TrialID=CTRI%2F2018%2F02%2F011664",
    )


def test_erratum_and_grants_from_the_record(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = study(warehouse, WITH_ERRATUM, monkeypatch)
    assert links(at)["Erratum: PMID 34092359"] == "https://pubmed.ncbi.nlm.nih.gov/34092359/"
    page = "".join(h.value for h in at.html)
    assert "NCRR NIH HHS" in page and "P20 RR016469" in page and "United States" in page


def test_coi_primary_outcome_and_bias_hints_marked_as_hints(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = study(warehouse, EUDRACT_TRIAL, monkeypatch)
    page = "".join(h.value for h in at.html)
    assert "COI statement.</strong> Dr Tomas Novak reports personal fees" in page
    assert "Primary outcome.</strong> change in the Montgomery" in page and "at week 4" in page
    hints = next(h.value for h in at.html if ">Domain<" in h.value)
    rows = re.findall(r"<tr>(.*?)</tr>", hints.split("<tbody>")[1])
    assert len(rows) == 8  # one per risk-of-bias domain
    for row in rows:
        assert re.search(r">(low|unclear|high) \(hint for the reviewer\)<", row), row
    assert "each a hint for the reviewer" in page
