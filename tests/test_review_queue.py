"""The review queue (issue 12): the pure ranking, and the page and evidence map on a real
warehouse of the bundled records where some labels are uncertain, one claim is approved citing
a study a person judged, and one label was confirmed."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from dashboard_fixtures import seed_articles
from streamlit.testing.v1 import AppTest

from claims.decisions import new_claim_event
from claims.judgements import new_judgement
from claims.refresh import refresh_claim_support
from claims.registry import load_claims
from claims.state import read_state
from core.settings import CLAIMS_FILE
from dashboards.evidence import claim_verified
from labels.corrections import new_correction
from labels.review_queue import (
    TIER_APPROVED,
    TIER_DRAFT,
    TIER_OTHER,
    ClaimUse,
    QueueStudy,
    rank_queue,
    verified_count,
)
from warehouse.db import RunLoad, Warehouse, snapshot_path
from warehouse.inbox import merge_inbox, save_claim_event, save_claim_judgement, save_correction

CLAIM = "treatment-resistant-depression"
CITED = "31166571"  # an esketamine RCT, a candidate of CLAIM
DRAFT_CANDIDATE = "8584148"  # a candidate of the draft chronic-pain claims
CONFIRMED = "8610220"  # its finding flagged, then confirmed by a reviewer
REVIEWER = "grace.hopper@clinic.example"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def study(pmid: str, field: str, confidence: float) -> QueueStudy:
    return QueueStudy(pmid, f"Study {pmid}", {field: confidence}, (field,))


def test_an_approved_claims_cited_study_ranks_above_an_unrelated_less_certain_one() -> None:
    cited, unrelated = study("111", "design", 0.7), study("222", "finding", 0.2)
    draft = study("333", "outcomes", 0.5)
    uses = {
        "111": [ClaimUse("tr-depression", approved=True, cited=True)],
        "333": [ClaimUse("chronic-pain", approved=False)],
    }
    queue = rank_queue([unrelated, draft, cited], uses)
    assert [(e.pmid, e.tier) for e in queue] == [
        ("111", TIER_APPROVED),
        ("333", TIER_DRAFT),
        ("222", TIER_OTHER),
    ]
    assert queue[0].uncertain == (("design", 0.7),)
    assert queue[0].reason == "approved claim relies on it: tr-depression"
    assert queue[1].reason == "candidate for draft claim: chronic-pain"


def test_within_a_tier_the_least_confident_comes_first_and_settled_labels_leave() -> None:
    settled = dataclasses.replace(study("444", "design", 0.1), corrected=frozenset({"design"}))
    queue = rank_queue([study("111", "design", 0.6), study("222", "finding", 0.3), settled], {})
    assert [e.pmid for e in queue] == ["222", "111"]


def test_an_approved_claim_that_only_lists_a_study_does_not_lift_it() -> None:
    uses = {"111": [ClaimUse("c", approved=True)]}  # neither counted nor cited
    assert rank_queue([study("111", "design", 0.6)], uses)[0].tier == TIER_OTHER


def test_verified_count_counts_each_study_once() -> None:
    count = verified_count(["1", "2", "2", "3"], {"2", "9"})
    assert (count.verified, count.total) == (1, 3)
    assert count.text == "1 of 3 verified by a person"


# --- the page and the map on a real warehouse --------------------------------------------------


def _uncertain(articles: list, pmid: str, field: str, confidence: float) -> None:
    at = next(i for i, a in enumerate(articles) if a.pmid == pmid)
    scores = dict(articles[at].confidence) | {field: confidence}
    articles[at] = dataclasses.replace(
        articles[at], confidence=tuple(scores.items()), needs_review=(field,)
    )


def _unrelated(db: Path) -> str:
    """An on-topic study on the map that no claim has among its candidates."""
    state = read_state(db, load_claims(CLAIMS_FILE))
    candidates = {e.pmid for evidence in state.evidence.values() for e in evidence}
    return next(
        a.pmid
        for a in seed_articles()
        if a.conditions and a.outcomes and a.drug not in (None, "not_studied")
        if a.pmid not in candidates
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("review-queue") / "evidence.duckdb"
    articles = list(seed_articles())
    with Warehouse.open(path) as wh:
        run = wh.start_run(
            window_start=date(1970, 1, 1), window_end=date(2021, 6, 30), flow_run_id=None
        )
        wh.load_run(run, RunLoad(articles=articles, window_end=date(2021, 6, 30)))
    refresh_claim_support(path, CLAIMS_FILE, run)
    with Warehouse.open(path) as wh:
        wh.publish_snapshot()
    unrelated = _unrelated(path)
    _uncertain(articles, CITED, "design", 0.7)
    _uncertain(articles, unrelated, "finding", 0.2)  # the least certain of all
    _uncertain(articles, DRAFT_CANDIDATE, "outcomes", 0.5)
    _uncertain(articles, CONFIRMED, "finding", 0.4)
    with Warehouse.open(path) as wh:
        run = wh.start_run(
            window_start=date(1970, 1, 1), window_end=date(2021, 6, 30), flow_run_id=None
        )
        wh.load_run(run, RunLoad(articles=articles, window_end=date(2021, 6, 30)))
    refresh_claim_support(path, CLAIMS_FILE, run)
    save_claim_judgement(path, new_judgement(CLAIM, CITED, "supports", REVIEWER, "primary met"))
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    approval = new_claim_event(
        claim,
        action="approve",
        reviewer="ada.lovelace@clinic.example",
        reason="reviewed",
        cited_pmids=[CITED],
        override_reason="one judged trial so far; test",
    )
    save_claim_event(path, approval)
    finding = next(a.finding for a in articles if a.pmid == CONFIRMED)
    confirmation = new_correction(
        pmid=CONFIRMED,
        field="finding",
        value=finding,
        current=finding,
        reviewer=REVIEWER,
        reason="abstract read: as labelled",
    )
    save_correction(path, confirmation.row())
    merge_inbox(path, publish=True)
    return path, unrelated


def page(db: Path, module: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EVIDENCE_DB", str(db))
    at = AppTest.from_string(
        f"from dashboards.screens.{module} import render\nrender()\n", default_timeout=60
    )
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_queue_page_puts_the_approved_claims_cited_study_first(
    warehouse: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, unrelated = warehouse
    table = page(db, "review_queue", monkeypatch).dataframe[0].value
    assert list(table["PMID"]) == [CITED, DRAFT_CANDIDATE, unrelated]  # CONFIRMED is settled
    first = table.iloc[0]
    assert first["Uncertain labels"] == "Design 0.70"
    assert first["Why here"] == f"approved claim relies on it: {CLAIM}"
    assert first["Open"] == f"study?pmid={CITED}"
    assert table.iloc[2]["Uncertain labels"] == "Finding 0.20"


def test_the_map_counts_verified_studies_and_hides_labels_awaiting_review(
    warehouse: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = warehouse
    at = page(db, "evidence_map", monkeypatch)
    line = next(c.value for c in at.caption if "verified by a person" in c.value)
    total = int(line.split(" of ")[1].split()[0])
    assert line == f"2 of {total} studies on the map verified by a person."  # judged, confirmed
    at.toggle(key="map.hide_open").set_value(True).run()
    line = next(c.value for c in at.caption if "verified by a person" in c.value)
    # The judged study's design is still open, so it goes too: only the confirmed one stays.
    assert line.startswith(f"1 of {total - 3} studies on the map verified by a person")
    assert "awaiting review hidden" in line


def test_a_claims_studies_verified_by_a_person(warehouse: tuple[Path, str]) -> None:
    db, _ = warehouse
    with Warehouse.open(snapshot_path(db), read_only=True) as wh:
        studies = wh.query_frame("dash_claim_studies", {"claim_id": CLAIM})
        verified = wh.query_frame("dash_verified_pmids")
    count = claim_verified(studies, verified)
    assert CITED in set(studies["pmid"]) and len(studies) > 1
    assert count.text == f"1 of {len(studies)} verified by a person"  # the judged one
