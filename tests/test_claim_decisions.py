"""Approvals bound to what the director saw, over the labelled warehouse built from real
records (real DuckDB files, the reviewers' inbox, the published snapshot, a real public site).

form_state captures a claim as a decision form shows it; decide refuses the decision if the
wording, the citations, the evidence or the claim's decisions changed since, or if the person
is not a medical director; an approval keeps exactly the wording, citations and evidence
digest it was made on, and the public site shows exactly those.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from claim_judging import judge_candidates, judged_warehouse
from dashboard_fixtures import copy_warehouse, nightly_load, seed_articles

from claims.decisions import (
    Decision,
    DecisionRefused,
    NotADirector,
    StaleDecision,
    decide,
    form_state,
)
from claims.registry import load_claims
from claims.state import read_state, supports
from core.settings import CLAIMS_FILE, Settings
from warehouse.db import RunLoad, Warehouse
from warehouse.inbox import merge_inbox, read_inbox

DIRECTOR = "medical.director@clinic.example"
REVIEWER = "reviewer@clinic.example"
SUPPORTED = "chronic-pain"  # seven RCTs, six judged supporting and one mixed
WEAK = "rapid-relief"  # one RCT judged supporting: insufficient


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled warehouse with both claims' candidates judged by a reviewer."""
    return judged_warehouse(tmp_path_factory)


@pytest.fixture
def db(shared: Path, tmp_path: Path) -> Path:
    return copy_warehouse(shared, tmp_path / "wh")


@pytest.fixture
def settings(db: Path, tmp_path: Path) -> Settings:
    return Settings(
        db_path=db,
        claims_file=CLAIMS_FILE,
        publish_dir=tmp_path / "site",
        directors=(DIRECTOR,),
        reviewers=(REVIEWER,),
    )


def approve(db: Path, settings: Settings, claim_id: str, **values: Any) -> Decision:
    shown = values.pop("shown", None) or form_state(db, claim_id)
    return decide(
        db,
        claim_id=claim_id,
        action="approve",
        by=values.pop("by", DIRECTOR),
        reason=values.pop("reason", "Read the trials."),
        shown=shown,
        settings=settings,
        **values,
    )


def public(settings: Settings, claim_id: str) -> dict:
    assert settings.publish_dir is not None
    return json.loads((settings.publish_dir / "claims" / f"{claim_id}.json").read_text())


def test_an_approval_keeps_exactly_what_the_form_showed(db: Path, settings: Settings) -> None:
    shown = form_state(db, SUPPORTED)
    assert shown.support == "supported" and shown.studies == 7 and shown.status == "draft"
    done = approve(db, settings, SUPPORTED, shown=shown)
    event = done.event
    assert (event.wording, event.cited_pmids, event.evidence_digest) == (
        shown.wording,
        shown.cited_pmids,
        shown.evidence_digest,
    )
    assert (event.reviewer, event.channel, event.override_reason) == (DIRECTOR, "dashboard", None)
    assert done.merged, "the warehouse was free: merged at once"
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.claim_events() == [event] == read_inbox(db).events
        row = next(r for r in wh.claim_overview() if r["claim_id"] == SUPPORTED)
    assert row["status"] == "approved" and row["wording"] == shown.wording


def test_an_edit_between_the_form_and_the_approval_is_not_approved_unseen(
    db: Path, settings: Settings
) -> None:
    stale = form_state(db, SUPPORTED)
    decide(
        db,
        claim_id=SUPPORTED,
        action="edit",
        by=DIRECTOR,
        reason="Say which pain.",
        shown=form_state(db, SUPPORTED),
        wording="Ketamine relieves all chronic pain.",
        settings=settings,
    )
    with pytest.raises(StaleDecision, match="the wording of chronic-pain changed since the form"):
        approve(db, settings, SUPPORTED, shown=stale)
    assert [e.action for e in read_inbox(db).events] == ["edit"]
    now = {s.claim_id: s for s in supports(read_state(db, load_claims(CLAIMS_FILE)))}
    assert now[SUPPORTED].status == "draft", "the edited wording was never approved"


def _new_negative_rct(db: Path) -> str:
    """A new record on the claim's question, loaded as a night's run, snapshot published."""
    source = next(a for a in seed_articles() if a.abstract and a.model_version)
    new = dataclasses.replace(
        source,
        pmid="99000001",
        conditions=("chronic_pain",),
        outcomes=("efficacy",),
        design="rct",
        finding="negative",
        drug="ketamine",
        retracted=False,
        concern=False,
    )
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(
            window_start=date(2021, 7, 1), window_end=date(2021, 7, 2), flow_run_id=None
        )
        wh.load_run(run_id, RunLoad(articles=[new], window_end=date(2021, 7, 2)))
        wh.publish_snapshot()
    return new.pmid


def test_new_evidence_between_the_form_and_the_approval_refuses_it(
    db: Path, settings: Settings
) -> None:
    stale = form_state(db, SUPPORTED)
    pmid = _new_negative_rct(db)
    with pytest.raises(StaleDecision, match="the evidence for chronic-pain changed since"):
        approve(db, settings, SUPPORTED, shown=stale)
    assert not read_inbox(db)
    candidate = form_state(db, SUPPORTED)
    assert candidate.studies == 8 and candidate.evidence_digest != stale.evidence_digest
    assert candidate.support == "supported", "an unjudged candidate counts for nothing yet"
    # a reviewer reads the new trial: it weighs against the claim, and the form changes again
    assert judge_candidates(db, [SUPPORTED], only=[pmid]) == {SUPPORTED: [pmid]}
    with pytest.raises(StaleDecision, match="the evidence for chronic-pain changed since"):
        approve(db, settings, SUPPORTED, shown=candidate)
    fresh = form_state(db, SUPPORTED)
    assert fresh.studies == 8 and fresh.evidence_digest != candidate.evidence_digest
    assert approve(db, settings, SUPPORTED, shown=fresh).event.evidence_digest == (
        fresh.evidence_digest
    )
    assert pmid not in fresh.cited_pmids


def test_only_a_medical_director_decides(db: Path, settings: Settings) -> None:
    for who in (REVIEWER, "someone@elsewhere.example", ""):
        with pytest.raises(NotADirector, match="is not a medical director"):
            approve(db, settings, SUPPORTED, by=who)
    assert not read_inbox(db)
    assert approve(db, settings, SUPPORTED, by=DIRECTOR.upper()).event.reviewer == DIRECTOR


def test_weak_support_needs_an_override_with_a_reason(db: Path, settings: Settings) -> None:
    assert form_state(db, WEAK).support == "insufficient"
    for override in (None, "   "):
        with pytest.raises(DecisionRefused, match="insufficient: approving needs an override"):
            approve(db, settings, WEAK, override=override)
    assert not read_inbox(db)
    done = approve(db, settings, WEAK, override="The RCT is large; the wording is cautious.")
    assert done.event.override_reason == "The RCT is large; the wording is cautious."
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.claim_events()[0].override_reason == done.event.override_reason


def test_citations_must_be_live_studies_the_warehouse_holds(db: Path, settings: Settings) -> None:
    with pytest.raises(DecisionRefused, match="cited PMID 1 not in the warehouse"):
        approve(db, settings, SUPPORTED, cited_pmids=["1"])
    with pytest.raises(DecisionRefused, match="PubMed ids"):
        approve(db, settings, SUPPORTED, cited_pmids=["doi:10.1/x"])
    assert not read_inbox(db)


def test_the_site_shows_the_approved_citations_in_the_approved_order(
    db: Path, settings: Settings
) -> None:
    shown = form_state(db, SUPPORTED)
    chosen = [shown.cited_pmids[3], shown.cited_pmids[0], "27062563"]  # a preclinical one too
    done = approve(db, settings, SUPPORTED, shown=shown, cited_pmids=chosen)
    assert done.site is not None and done.site_error is None
    page = public(settings, SUPPORTED)
    assert [r["pmid"] for r in page["references"]] == chosen
    assert page["wording"] == shown.wording
    index = json.loads((settings.publish_dir / "claims.json").read_text())  # type: ignore[operator]
    assert [c["claim_id"] for c in index["claims"]] == [SUPPORTED]


def test_approving_and_withdrawing_republish_the_site_at_once(db: Path, settings: Settings) -> None:
    approve(db, settings, SUPPORTED, wording="Ketamine may relieve some chronic pain.")
    assert public(settings, SUPPORTED)["wording"] == "Ketamine may relieve some chronic pain."
    decide(
        db,
        claim_id=SUPPORTED,
        action="withdraw",
        by=DIRECTOR,
        reason="Pending the new review.",
        shown=form_state(db, SUPPORTED),
        channel="cli",
        settings=settings,
    )
    site = settings.publish_dir
    assert site is not None and not (site / "claims" / f"{SUPPORTED}.json").exists()
    assert json.loads((site / "claims.json").read_text())["claims"] == []
    versions = site.with_name("site.versions")
    assert len([p for p in versions.iterdir() if p.is_dir()]) == 2, "one version per decision"


def test_a_grade_is_the_directors_and_reaches_the_site(db: Path, settings: Settings) -> None:
    approve(db, settings, SUPPORTED)
    done = decide(
        db,
        claim_id=SUPPORTED,
        action="grade",
        by=DIRECTOR,
        reason="Small trials, some risk of bias.",
        shown=form_state(db, SUPPORTED),
        grade="low",
        settings=settings,
    )
    assert done.merged and public(settings, SUPPORTED)["grade"] == "low"
    with pytest.raises(NotADirector):
        decide(
            db,
            claim_id=SUPPORTED,
            action="grade",
            by=REVIEWER,
            reason="I think it is high.",
            shown=form_state(db, SUPPORTED),
            grade="high",
            settings=settings,
        )
    assert public(settings, SUPPORTED)["grade"] == "low"


def test_a_decision_while_the_nightly_holds_the_warehouse_is_published_from_the_inbox(
    db: Path, settings: Settings
) -> None:
    with nightly_load(db):
        done = approve(db, settings, SUPPORTED)
        assert not done.merged
        assert done.site is not None, "republished from the snapshot with the inbox applied"
        assert public(settings, SUPPORTED)["wording"] == done.event.wording
    assert merge_inbox(db).decisions == 1  # as the next nightly run does first
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.claim_events() == [done.event]


OLD_EVENTS = """
CREATE TABLE claim_events (
    event_id BIGINT PRIMARY KEY, claim_id VARCHAR NOT NULL, action VARCHAR NOT NULL,
    wording VARCHAR, cited_pmids VARCHAR[], grade VARCHAR, reviewer VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL
);
INSERT INTO claim_events VALUES
    (1, 'side-effects', 'grade', NULL, NULL, 'low', 'Dr Director', 'few RCTs', '2026-11-01');
"""


def test_files_written_before_approvals_kept_their_digest_are_migrated(
    db: Path, settings: Settings
) -> None:
    import duckdb

    from warehouse.inbox import corrections_path

    with duckdb.connect(str(corrections_path(db))) as con:
        con.execute(OLD_EVENTS)
    with duckdb.connect(str(db)) as con:  # the warehouse as an older release left it
        con.execute("DROP TABLE claim_events CASCADE")
        con.execute(OLD_EVENTS.replace("'side-effects'", "'routes'").replace("(1,", "(2,"))
    done = approve(db, settings, SUPPORTED)
    old = read_inbox(db).events[0]
    assert (old.claim_id, old.grade, old.evidence_digest, old.channel) == (
        "side-effects",
        "low",
        None,
        None,
    )
    with Warehouse.open(db, read_only=True) as wh:
        held = {e.event_id: e for e in wh.claim_events()}
    assert held[done.event.event_id] == done.event and held[2].claim_id == "routes"
    assert held[1] == old, "merged with the new decision"
