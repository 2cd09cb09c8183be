"""Each page's logic through Streamlit's AppTest, on the labelled warehouse built from real
records: what it shows, its filters, the correction form and who may use it, and a nightly
load meanwhile. Sessions sign in as AppTest lets them: an [auth] section and ``at.user``."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dashboard_fixtures import (
    CONCERN_PMID,
    RETRACTED_PMID,
    WINDOW_END,
    copy_warehouse,
    nightly_load,
    seed_articles,
    shared_warehouse,
)
from streamlit import config
from streamlit.testing.v1 import AppTest

from claims.citations import format_ama
from dashboards.context import DEMO_EMAIL
from warehouse.db import RunLoad, Warehouse
from warehouse.inbox import merge_inbox, read_inbox

SUBLINGUAL = "34092024"
REVIEWER = "grace.hopper@clinic.example"
DIRECTOR = "ada.lovelace@clinic.example"
# Enough of an [auth] section for the app to know sign-in is configured; AppTest signs in.
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
PAGES = ("evidence_map", "trends", "studies", "study", "pipeline")


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_warehouse(tmp_path_factory)


@pytest.fixture
def private_warehouse(labelled_warehouse: Path, tmp_path: Path) -> Path:
    return copy_warehouse(labelled_warehouse, tmp_path / "wh")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    """Point the app at a warehouse (as `--db` would) with a reviewer and a director."""

    def point(db: Path, reviewers: str = REVIEWER, directors: str = DIRECTOR) -> None:
        monkeypatch.setenv("EVIDENCE_DB", str(db))
        monkeypatch.setenv("EVIDENCE_REVIEWERS", reviewers)
        monkeypatch.setenv("EVIDENCE_DIRECTORS", directors)
        monkeypatch.delenv("EVIDENCE_REVIEWER_HEADER", raising=False)
        monkeypatch.delenv("EVIDENCE_SETTINGS", raising=False)

    return point


@pytest.fixture
def listening():  # type: ignore[no-untyped-def]
    """Set the address the (simulated) server listens on, as `--server.address` does."""
    before = config.get_option("server.address")

    def listen(address: str | None) -> None:
        config.set_option("server.address", address)

    yield listen
    config.set_option("server.address", before)


def page(module: str, user: str | None = REVIEWER, **query: str) -> AppTest:
    """One page of the app, signed in as `user` (None: signed out)."""
    at = AppTest.from_string(
        f"from dashboards.screens.{module} import render\nrender()\n", default_timeout=60
    )
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": user} if user else {"is_logged_in": False}
    at.query_params.update(query)
    return at.run()


class _Cells(HTMLParser):
    """The cells of an HTML table, row by row, as the browser shows their text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_table(at: AppTest, index: int) -> pd.DataFrame:
    """The index-th table the page drew (escaped HTML, see dashboards/inert.py)."""
    parser = _Cells()
    parser.feed([h.value for h in at.html if h.value.startswith("<table")][index])
    return pd.DataFrame(parser.rows[1:], columns=parser.rows[0])


def shown(value: str) -> str:
    """Text as the browser shows it: without the escapes that keep it from being Markdown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", value).replace("\u200b", "")


def render_seconds(at: AppTest) -> float:
    caption = next(c.value for c in at.caption if " rendered in " in c.value)
    return float(re.search(r"rendered in ([\d.]+) s", caption).group(1))


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("module", PAGES)
def test_every_page_renders_cleanly_twice(labelled_warehouse: Path, serve, module: str) -> None:
    serve(labelled_warehouse)
    query = {"pmid": SUBLINGUAL} if module == "study" else {}
    page(module, **query)  # the first run fills the caches
    at = page(module, **query)
    assert_clean(at)
    render_seconds(at)  # the page's last caption states its render time


def chronic_pain_efficacy() -> list:
    return [
        a
        for a in seed_articles()
        if a.drug not in (None, "not_studied")
        and "chronic_pain" in a.conditions
        and "efficacy" in a.outcomes
    ]


def test_the_map_shows_each_cell_and_links_to_its_studies(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = page("evidence_map")
    assert_clean(at)
    html = at.html[0].value
    studies = chronic_pain_efficacy()
    rcts = sum(a.design == "rct" for a in studies)
    participants = sum(a.sample_size or 0 for a in studies)
    assert f"aria-label='Chronic pain × Efficacy: {len(studies)} studies'" in html
    assert f"MA 0 · RCT {rcts} · other {len(studies) - rcts}" in html
    assert f"{participants:,} participants" in html
    assert "href='studies?condition=chronic_pain&amp;outcome=efficacy'" in html
    assert "aria-label='Anxiety" not in html  # no on-topic anxiety study in the seed set


def test_the_map_reads_its_filters_from_the_url(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = page("evidence_map", drugs="esketamine", min_design="rct")
    assert at.sidebar.multiselect(key="map.drugs").value == ["esketamine"]
    assert at.sidebar.selectbox(key="map.min_design").value == "rct"
    esketamine_rcts = [
        a
        for a in seed_articles()
        if a.drug == "esketamine" and a.design in ("rct", "meta_analysis")
    ]
    cells = re.findall(r"aria-label='([^']+): (\d+) studies'", at.html[0].value)
    in_cells = {(c, n) for c, n in cells}
    assert in_cells and all(
        int(n) == sum(1 for a in esketamine_rcts if _in_cell(a, c)) for c, n in in_cells
    )


def _in_cell(article, label: str) -> bool:
    condition, outcome = (x.strip().lower().replace(" ", "_") for x in label.split("×"))
    return condition in article.conditions and outcome in article.outcomes


def test_studies_open_prefiltered_from_a_map_cell(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = page("studies", condition="chronic_pain", outcome="efficacy")
    assert_clean(at)
    expected = chronic_pain_efficacy()
    assert any(c.value.startswith(f"{len(expected)} studies match") for c in at.caption)
    table = at.dataframe[0].value
    assert sorted(table["PubMed"]) == sorted(
        f"https://pubmed.ncbi.nlm.nih.gov/{a.pmid}/" for a in expected
    )
    assert list(table.columns[:8]) == [
        "Year",
        "Title",
        "Design",
        "N",
        "Finding",
        "Drug",
        "Route",
        "Journal",
    ]


def test_studies_search_titles_and_abstracts(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = page("studies")
    at.text_input(key="studies.text").input("lozenges sub-lingual").run()
    assert any(c.value.startswith("1 studies match") for c in at.caption)
    assert at.dataframe[0].value["Study"].tolist() == [f"study?pmid={SUBLINGUAL}"]
    assert at.query_params["text"] == "lozenges sub-lingual"


def test_the_study_page(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = page("study", pmid=SUBLINGUAL)
    assert_clean(at)
    article = next(a for a in seed_articles() if a.pmid == SUBLINGUAL)
    assert at.html[0].value == f"<h1>{html.escape(article.title)}</h1>"  # text, not markup
    assert at.code[0].value == format_ama(article)
    labels = html_table(at, 0).set_index("Label")
    assert labels.loc["Design", "Value"] == "Observational"
    assert labels.loc["Routes", "Source"] == "model seed-labels"
    assert labels["Confidence"].tolist() == ["1.00"] * 7 + ["—"]
    bold = [re.match(r"<p><strong>(.*?)\.</strong>", h.value) for h in at.html]
    labels_shown = [m.group(1) for m in bold if m]
    assert [s.label for s in article.abstract_sections] == [s for s in labels_shown if s.isupper()]
    assert "Key finding" in labels_shown


def test_banners_for_retractions_and_expressions_of_concern(
    labelled_warehouse: Path, serve
) -> None:
    serve(labelled_warehouse)
    retracted = page("study", pmid=RETRACTED_PMID)
    assert "**Retracted.**" in retracted.error[0].value and "34093767" in retracted.error[0].value
    concern = page("study", pmid=CONCERN_PMID)
    assert "**Expression of concern**" in concern.warning[0].value
    assert "34096680" in concern.warning[0].value
    assert not page("study", pmid="1").exception


def labelled(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label == label)


def correct(at: AppTest, field: str, value, reason: str) -> AppTest:
    at.selectbox(key="study.field").set_value(field).run()
    assert not any(w.label == "Reviewer" for w in at.selectbox)  # no name to choose
    widgets = at.multiselect if isinstance(value, list) else at.selectbox
    labelled(widgets, "New value").set_value(value)
    labelled(at.text_area, "Reason").input(reason)
    return at.button[-1].click().run()


def test_a_correction_is_saved_merged_and_shown(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = page("study", pmid=SUBLINGUAL)
    at = correct(at, "design", "rct", "The abstract reports a randomised trial.")
    assert_clean(at)
    assert shown(at.success[0].value) == (
        f"Correction of Design saved by {REVIEWER}; it is merged into the warehouse."
    )
    labels = html_table(at, 0).set_index("Label")
    assert labels.loc["Design", "Value"] == "RCT"
    assert labels.loc["Design", "Source"].startswith(f"corrected by {REVIEWER} on ")
    history = html_table(at, 1)
    assert history[["Reviewer", "Label", "From", "To", "Why", "Status"]].to_dict("records") == [
        {
            "Reviewer": REVIEWER,
            "Label": "Design",
            "From": "Observational",
            "To": "RCT",
            "Why": "The abstract reports a randomised trial.",
            "Status": "merged",
        }
    ]
    with Warehouse.open(private_warehouse) as wh:
        assert wh.correction_rows() == read_inbox(private_warehouse).corrections
    assert labelled(at.selectbox, "New value").value == "rct"  # a fresh form, current value
    assert labelled(at.text_area, "Reason").value == ""


def test_a_correction_needs_a_reason(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = correct(page("study", pmid=SUBLINGUAL), "finding", "mixed", "  ")
    assert at.error[0].value == "Not saved: say why: a correction needs a reason."
    assert read_inbox(private_warehouse).corrections == []


def test_a_director_may_correct_too(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = correct(page("study", DIRECTOR, pmid=SUBLINGUAL), "finding", "mixed", "Primary missed.")
    assert_clean(at)
    assert [c["reviewer"] for c in read_inbox(private_warehouse).corrections] == [DIRECTOR]


@pytest.mark.parametrize(
    ("user", "why"),
    [
        (None, "Reviewers and medical directors sign in to correct labels."),
        ("writer@clinic.example", "neither a reviewer nor a medical director"),
    ],
)
def test_who_is_not_a_reviewer_gets_no_form(
    labelled_warehouse: Path, serve, user: str | None, why: str
) -> None:
    serve(labelled_warehouse)
    at = page("study", user, pmid=SUBLINGUAL)
    assert_clean(at)
    assert not any(b.label == "Save correction" for b in at.button)
    assert any(why in shown(c.value) for c in at.caption)
    assert [b.label for b in at.button] == (["Sign in to correct labels"] if user is None else [])


def test_the_role_is_asked_again_when_the_form_is_submitted(
    private_warehouse: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(private_warehouse)
    at = page("study", pmid=SUBLINGUAL)
    at.selectbox(key="study.field").set_value("finding").run()
    labelled(at.selectbox, "New value").set_value("mixed")
    labelled(at.text_area, "Reason").input("Primary outcome missed.")
    monkeypatch.setenv("EVIDENCE_REVIEWERS", "someone.else@clinic.example")  # role taken away
    at = at.button[-1].click().run()
    assert_clean(at)
    assert read_inbox(private_warehouse).corrections == []
    assert not any(b.label == "Save correction" for b in at.button)
    assert any("neither a reviewer nor a medical director" in shown(c.value) for c in at.caption)


def no_sign_in(module: str, **query: str) -> AppTest:
    """A page served with no sign-in configured (no [auth] section)."""
    at = AppTest.from_string(
        f"from dashboards.screens.{module} import render\nrender()\n", default_timeout=60
    )
    at.query_params.update(query)
    return at.run()


def test_a_proxy_header_is_the_only_identity_when_configured(
    labelled_warehouse: Path, serve, listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(labelled_warehouse)
    listening("127.0.0.1")
    monkeypatch.setenv("EVIDENCE_REVIEWER_HEADER", "X-Forwarded-Email")
    at = no_sign_in("study", pmid=SUBLINGUAL)
    assert not at.button
    assert any("no X-Forwarded-Email header" in shown(c.value) for c in at.caption)


def test_on_loopback_with_nothing_configured_the_demo_identity_corrects(
    private_warehouse: Path, serve, listening
) -> None:
    serve(private_warehouse, reviewers="", directors="")
    listening("127.0.0.1")
    at = no_sign_in("study", pmid=SUBLINGUAL)
    at = correct(at, "finding", "mixed", "Trying the demo.")
    assert_clean(at)
    assert [c["reviewer"] for c in read_inbox(private_warehouse).corrections] == [DEMO_EMAIL]


def test_beyond_loopback_without_sign_in_nobody_corrects(
    labelled_warehouse: Path, serve, listening
) -> None:
    serve(labelled_warehouse, reviewers="", directors="")
    listening("0.0.0.0")
    at = no_sign_in("study", pmid=SUBLINGUAL)
    assert not at.button
    assert any(
        "Writes are refused: this app listens on 0.0.0.0" in shown(c.value) for c in at.caption
    )


def test_the_app_reads_and_corrects_while_a_nightly_load_runs(
    private_warehouse: Path, serve
) -> None:
    serve(private_warehouse)
    with nightly_load(private_warehouse):
        for module in PAGES:
            assert_clean(page(module, pmid=SUBLINGUAL))
        at = correct(
            page("study", pmid=SUBLINGUAL),
            "conditions",
            ["chronic_pain", "anxiety"],
            "Anxiety is a primary outcome.",
        )
        assert_clean(at)
        assert "the nightly job merges it into the warehouse" in at.success[0].value
        labels = html_table(at, 0).set_index("Label")
        assert labels.loc["Conditions", "Value"] == "Anxiety, Chronic pain"
        assert labels.loc["Conditions", "Source"].endswith("(pending merge)")
        assert "Chronic pain × Efficacy" in page("evidence_map").html[0].value
        assert "aria-label='Anxiety × Efficacy: 1 studies'" in page("evidence_map").html[0].value
    assert merge_inbox(private_warehouse).corrections == 1


def test_the_pipeline_page(private_warehouse: Path, serve) -> None:
    report = '{"kind": "cv", "fields": {"design": {"accuracy": 0.81, "macro_f1": 0.62}}}'
    with duckdb.connect(str(private_warehouse)) as con:
        con.execute(
            "INSERT INTO model_versions VALUES ('2026-11-26-a', TIMESTAMP '2026-11-26 03:00', ?)",
            [report],
        )
    with Warehouse.open(private_warehouse) as wh:
        wh.publish_snapshot()
    serve(private_warehouse)
    at = page("pipeline")
    assert_clean(at)
    assert "HTTPError: 429 Too Many Requests" in shown(at.warning[0].value)
    runs, quarantine, metrics = (d.value for d in at.dataframe[:3])
    assert runs["status"].tolist() == ["completed", "failed"]
    assert runs["window"].tolist()[0] == f"1970-01-01 → {WINDOW_END}"
    assert quarantine["reason"][0].startswith("not well-formed XML")
    assert metrics.to_dict("records") == [{"field": "design", "accuracy": 0.81, "macro_f1": 0.62}]
    assert any("Current model **2026\\-11\\-26\\-a**" in m.value for m in at.markdown)


def test_a_warehouse_not_classified_yet(tmp_path: Path, serve) -> None:
    """The demo's warehouse until the classifier lands: records without labels."""
    db = tmp_path / "demo.duckdb"
    unlabelled = [
        dataclasses.replace(
            a,
            conditions=(),
            outcomes=(),
            finding=None,
            design=None,
            drug=None,
            routes=(),
            sample_size=None,
            key_finding=None,
            confidence=(),
            model_version=None,
        )
        for a in seed_articles()
    ]
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(window_start=WINDOW_END, window_end=WINDOW_END, flow_run_id=None)
        wh.load_run(run_id, RunLoad(articles=unlabelled, window_end=WINDOW_END))
        wh.publish_snapshot()
    serve(db)
    at = page("evidence_map")
    assert_clean(at)
    assert at.info[0].value == "No labelled on-topic studies match these filters."
    studies = page("studies")
    assert len(studies.dataframe[0].value) == len(unlabelled)
    assert not page("study", pmid=SUBLINGUAL).exception


def test_the_app_says_when_there_is_no_warehouse(tmp_path: Path, serve) -> None:
    serve(tmp_path / "nowhere.duckdb")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "No evidence warehouse at" in at.info[0].value


def test_the_app_opens_on_the_evidence_map(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert_clean(at)
    assert at.title[0].value == "Evidence map"
    assert any(c.value.startswith("Data published ") for c in at.sidebar.caption)
