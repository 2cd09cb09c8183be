"""Claims over a real warehouse: support from classified real records, corrections winning,
decisions merged from the dashboard's file, and `publish` from the shell."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import pytest
from claim_judging import judge_candidates

from claims.decisions import new_claim_event
from claims.judgements import new_judgement
from claims.refresh import refresh_claim_support
from claims.registry import load_claims
from claims.state import read_state, supports
from core.article import Article
from core.settings import CLAIMS_FILE
from labels.corrections import new_correction
from labels.shipped import classify_articles
from pipelines.claims_flow import claims_flow
from pipelines.cli import main as cli_main
from pubmed.parser import iter_records
from warehouse.db import RunLoad, Warehouse, snapshot_path
from warehouse.inbox import merge_inbox, save_claim_event, save_claim_judgement

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def labelled() -> list[Article]:
    with (REPO / "data" / "ketamine" / "ketamine-records.xml").open("rb") as stream:
        return classify_articles([r for r in iter_records(stream) if isinstance(r, Article)])


@pytest.fixture
def db(tmp_path: Path, labelled: list[Article]) -> Path:
    path = tmp_path / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        run_id = wh.start_run(
            window_start=date(1990, 1, 1), window_end=date(2025, 12, 31), flow_run_id=None
        )
        wh.load_run(run_id, RunLoad(articles=labelled, window_end=date(2025, 12, 31)))
    return path


def judge_backing(db: Path, claim_id: str) -> list[str]:
    """A reviewer judges every RCT of the claim that the labels call positive: supports,
    through claims.judgements.judge (what ``claims judge`` calls), after the claims'
    candidates are computed as the nightly flow does."""
    results = refresh_claim_support(db, CLAIMS_FILE, None)
    backing = [
        e.pmid
        for e in results.evidence[claim_id]
        if e.finding == "positive" and e.design == "rct" and not e.verdict
    ]
    judge_candidates(db, [claim_id], only=backing)
    return backing


def _support(db: Path) -> dict[str, dict]:
    with Warehouse.open(db, read_only=True) as wh:
        return {r["claim_id"]: r for r in wh.claim_overview()}


def test_every_registry_claim_gets_its_support(db: Path, labelled: list[Article]) -> None:
    results = refresh_claim_support(db, CLAIMS_FILE, None)
    overview = _support(db)
    assert set(overview) == {c.claim_id for c in load_claims(CLAIMS_FILE)}
    by_pmid = {a.pmid: a for a in labelled}
    for claim in results.claims:
        row = overview[claim.claim_id]
        assert row["support"] in ("supported", "mixed", "insufficient", "contradicted")
        evidence = results.evidence.get(claim.claim_id, [])
        # nothing judged yet: candidates only, and no support from labels
        assert sum(row["counts_by_design"].values()) == 0 and row["support"] == "insufficient"
        assert all(e.verdict is None for e in evidence)
        for e in evidence:  # every matched study really answers the claim's query
            a = by_pmid[e.pmid]
            assert a.drug != "not_studied" and a.design in claim_designs(claim)
            q = claim.evidence
            assert not q.conditions or set(a.conditions) & set(q.conditions)
            text = f"{a.title} {a.abstract}"
            if q.kind == "safety_profile":  # reports the effects: outcome or the effect terms
                assert set(a.outcomes) & set(q.outcomes) or re.search(q.terms_pattern, text, re.I)
            else:
                assert not q.outcomes or set(a.outcomes) & set(q.outcomes)
            assert not q.forms or e.form in q.forms
            if q.health_claim:
                assert a.design != "preclinical"
    assert len(judge_backing(db, "chronic-pain")) >= 3
    refresh_claim_support(db, CLAIMS_FILE, None)
    chronic = _support(db)["chronic-pain"]
    assert chronic["counts_by_design"].get("rct", 0) >= 3 and chronic["support"] == "supported"


def claim_designs(claim) -> set[str]:  # type: ignore[no-untyped-def]
    from core.article import designs_at_or_above

    return set(designs_at_or_above(claim.evidence.min_design))


def test_judgements_survive_relabelling_and_retraining(db: Path, labelled: list[Article]) -> None:
    backing = judge_backing(db, "chronic-pain")
    refresh_claim_support(db, CLAIMS_FILE, None)
    before = _support(db)["chronic-pain"]
    assert before["support"] == "supported" and len(backing) >= 3
    # a reviewer relabels a judged study out of the claim's query entirely
    rows = [
        new_correction(
            pmid=backing[0],
            field=field,
            value=value,
            current=None,
            reviewer="Dr. Reviewer",
            reason="relabelled",
        ).row()
        for field, value in (("finding", "negative"), ("conditions", ["depression"]))
    ]
    with Warehouse.open(db) as wh:
        wh.merge_corrections(rows)
    # and a retrained model labels another one differently
    by_pmid = {a.pmid: a for a in labelled}
    changed = dataclasses.replace(
        by_pmid[backing[1]], finding="negative", model_version="retrained"
    )
    with Warehouse.open(db) as wh:
        wh.relabel([changed])
    results = refresh_claim_support(db, CLAIMS_FILE, None)
    after = _support(db)["chronic-pain"]
    assert after["support"] == before["support"]
    assert after["counts_by_design"] == before["counts_by_design"]
    kept = {e.pmid: e for e in results.evidence["chronic-pain"]}
    assert kept[backing[0]].verdict == "supports" and not kept[backing[0]].matched
    assert kept[backing[1]].finding == "negative" and kept[backing[1]].verdict == "supports"


def test_decisions_from_the_dashboard_file_are_merged_once_and_publish_only_approved(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    judge_backing(db, "chronic-pain")
    refresh_claim_support(db, CLAIMS_FILE, None)
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == "chronic-pain")
    recommended = _support(db)["chronic-pain"]["recommended"]
    event = new_claim_event(
        claim,
        action="approve",
        reviewer="Dr. Medical Director",
        reason="Reviewed the RCTs; internal note: check dosing",
        cited_pmids=recommended[:2],
    )
    save_claim_event(db, event)
    assert merge_inbox(db).decisions == 1
    assert merge_inbox(db).decisions == 0, "merging is idempotent"
    refresh_claim_support(db, CLAIMS_FILE, None)
    now = {s.claim_id: s for s in supports(read_state(db, load_claims(CLAIMS_FILE)))}
    assert now["chronic-pain"].status == "approved"
    assert [a.pmid for a in now["chronic-pain"].references] == recommended[:2], "as approved"

    out = tmp_path / "site"
    assert cli_main(["publish", str(out), "--db", str(db)]) == 0
    assert "Published 1 approved claims" in capsys.readouterr().out
    index = json.loads((out / "claims.json").read_text())
    assert [c["claim_id"] for c in index["claims"]] == ["chronic-pain"]
    page = (out / "claims" / "chronic-pain.html").read_text(encoding="utf-8")
    assert claim.wording in page and "<svg" in page
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.*"))
    assert "Dr. Medical Director" not in everything and "internal note" not in everything
    assert not (out / "claims" / "anxiety.json").exists()


def test_publish_without_a_warehouse_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    assert cli_main(["publish", str(tmp_path / "site"), "--db", str(missing)]) == 1
    assert f"no warehouse at {missing}" in capsys.readouterr().err
    assert not (tmp_path / "site").exists() and not missing.exists()


def test_the_claims_flow_merges_decisions_and_recomputes_without_fetching(
    db: Path, prefect_harness: None
) -> None:
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == "side-effects")
    save_claim_event(
        db,
        new_claim_event(
            claim, action="grade", reviewer="Dr. Director", reason="few RCTs", grade="low"
        ),
    )
    summary = claims_flow(db_path=str(db))
    assert summary["claims"] == 11 and summary["sent"] == 0
    assert _support(db)["side-effects"]["grade"] == "low"
    with Warehouse.open(snapshot_path(db), read_only=True) as snapshot:
        assert {r["claim_id"] for r in snapshot.claim_overview()} >= {"side-effects"}


def test_the_claims_flow_publishes_the_site_from_what_it_just_computed(
    db: Path, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    backing = judge_backing(db, "chronic-pain")
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == "chronic-pain")
    approval = new_claim_event(
        claim,
        action="approve",
        reviewer="medical.director@clinic.example",
        reason="Approved while the trials were read as positive.",
    )
    with Warehouse.open(db) as wh:
        wh.add_claim_events([approval])
    refresh_claim_support(db, CLAIMS_FILE, None)
    with Warehouse.open(db) as wh:
        wh.publish_snapshot()  # what the dashboards read: approved, supported
    with Warehouse.open(snapshot_path(db), read_only=True) as snapshot:
        shown = next(r for r in snapshot.claim_overview() if r["claim_id"] == "chronic-pain")
    assert shown["support"] == "supported"
    # A reviewer rereads the trials on the dashboard while the job runs: the judgements wait
    # in the app's inbox (as judge leaves them when the warehouse is busy), in no snapshot.
    for pmid in backing:
        save_claim_judgement(
            db,
            new_judgement(
                "chronic-pain", pmid, "contradicts", "reviewer@clinic.example", "missed endpoint"
            ),
        )
    site = tmp_path / "site"
    monkeypatch.setenv("EVIDENCE_PUBLISH_DIR", str(site))
    assert claims_flow(db_path=str(db))["published"] == 1
    page = json.loads((site / "claims" / "chronic-pain.json").read_text())
    assert page["support"] == "contradicted", "rendered from this run, not an older snapshot"
