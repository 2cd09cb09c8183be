"""Substantiation dossiers over the labelled warehouse built from real records: an approval
freezes one (files and a warehouse row), later evidence never changes it, the public page shows
its digest and never the approver, and ``claims dossier`` exports it as an operator would."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dashboard_fixtures import copy_warehouse, seed_articles
from dashboard_fixtures import shared_warehouse as build_shared

from claims.decisions import decide, form_state
from claims.dossier import dossier_dir, read_dossiers
from claims.judgements import judge
from claims.refresh import settle
from claims.registry import load_claims
from claims.state import read_state
from core.settings import CLAIMS_FILE, Settings
from warehouse.db import RunLoad, Warehouse

ROOT = Path(__file__).resolve().parent.parent
DIRECTOR = "medical.director@clinic.example"
REVIEWER = "reviewer@clinic.example"
CLAIM = "chronic-pain"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shared(tmp_path_factory)


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


def candidates(db: Path, claim_id: str = CLAIM) -> list[str]:
    state = read_state(db, load_claims(CLAIMS_FILE), claim_id=claim_id)
    return [e.pmid for e in state.evidence.get(claim_id, ())]


def judge_and_approve(db: Path, settings: Settings, pmids: list[str]) -> None:
    for pmid in pmids:
        judge(
            db,
            claim_id=CLAIM,
            pmid=pmid,
            verdict="supports",
            by=REVIEWER,
            note="",
            settings=settings,
        )
    shown = form_state(db, CLAIM)
    override = (
        "Reviewed the trials myself." if shown.support in ("insufficient", "contradicted") else None
    )
    decide(
        db,
        claim_id=CLAIM,
        action="approve",
        by=DIRECTOR,
        reason="Three trials judged by the reviewer.",
        shown=shown,
        override=override,
        settings=settings,
    )


def new_negative_rct(db: Path) -> str:
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


def table_rows(db: Path) -> list[tuple]:
    with Warehouse.open(db, read_only=True) as wh:
        return wh.query("SELECT dossier_id, sha256, body, html, stored_at FROM claim_dossiers")


def test_an_approval_freezes_a_dossier_that_later_evidence_never_changes(
    db: Path, settings: Settings
) -> None:
    judged = candidates(db)[:3]
    judge_and_approve(db, settings, judged)
    (dossier,) = read_dossiers(db, CLAIM)
    body = dossier.body
    assert body["claim_id"] == CLAIM and body["approval"]["approved_by"] == DIRECTOR
    assert body["approval"]["reason"] == "Three trials judged by the reviewer."
    assert sorted(s["pmid"] for s in body["studies"]) == sorted(judged)
    with Warehouse.open(db, read_only=True) as wh:
        articles = {a.pmid: a for a in wh.articles(judged)}
    for study in body["studies"]:
        article = articles[study["pmid"]]
        assert (study["design"], study["finding"], study["judgement"]) == (
            article.design,
            article.finding,
            "supports",
        )
        assert study["key_finding"] == article.key_finding
        assert study["model_version"] == article.model_version
        assert study["participants"] == article.sample_size and study["retracted"] is False
    assert body["rule"]["counted"] == 3 and body["rule"]["tier_for"] == 3
    lacking = body["incomplete_records"]
    assert lacking == {
        "studies": 3,
        "no_authors": sum(not articles[p].authors for p in judged),
        "no_year": sum(not articles[p].year for p in judged),
    }
    files = dossier_dir(db)
    frozen_json = (files / f"{dossier.dossier_id}.json").read_bytes()
    frozen_html = (files / f"{dossier.dossier_id}.html").read_text()
    assert hashlib.sha256(frozen_json).hexdigest() == dossier.sha256
    assert DIRECTOR in frozen_html and dossier.sha256 in frozen_html
    stored = table_rows(db)
    assert [(r[0], r[1], r[2]) for r in stored] == [
        (dossier.dossier_id, dossier.sha256, frozen_json.decode())
    ]

    # Later evidence: a new negative RCT, judged against the claim, merged and refreshed.
    pmid = new_negative_rct(db)
    judge(
        db,
        claim_id=CLAIM,
        pmid=pmid,
        verdict="contradicts",
        by=REVIEWER,
        note="",
        settings=settings,
    )
    assert settle(db, load_claims(CLAIMS_FILE))
    now = read_state(db, load_claims(CLAIMS_FILE), claim_id=CLAIM)
    assert pmid in {e.pmid for e in now.evidence[CLAIM]}, "the new trial is in the evidence now"
    (again,) = read_dossiers(db, CLAIM)
    assert (again.sha256, again.body) == (dossier.sha256, dossier.body)
    assert (files / f"{dossier.dossier_id}.json").read_bytes() == frozen_json
    assert (files / f"{dossier.dossier_id}.html").read_text() == frozen_html
    assert table_rows(db) == stored, "the warehouse row was never rewritten"


def test_the_public_page_shows_the_digest_and_the_day_never_the_approver(
    db: Path, settings: Settings
) -> None:
    judge_and_approve(db, settings, candidates(db)[:3])
    (dossier,) = read_dossiers(db, CLAIM)
    assert settings.publish_dir is not None
    page = (settings.publish_dir / "claims" / f"{CLAIM}.html").read_text()
    doc = json.loads((settings.publish_dir / "claims" / f"{CLAIM}.json").read_text())
    day = dossier.approved_at.date().isoformat()
    assert f"Reviewed by the medical director on {day}." in page
    assert dossier.sha256 in page and doc["dossier_sha256"] == dossier.sha256
    assert doc["reviewed"] == {"by": "the medical director", "on": day}
    site = "".join(p.read_text() for p in settings.publish_dir.rglob("*") if p.is_file())
    assert DIRECTOR not in site and REVIEWER not in site and "Three trials judged" not in site


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "PYTHONPATH"))}
    environ.update(EVIDENCE_DB=str(db), EVIDENCE_DIRECTORS=DIRECTOR, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=300,
    )


def test_claims_dossier_exports_the_frozen_files(
    db: Path, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    refused = run(db, "claims", "dossier", CLAIM, "--out", str(out))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr == (
        f"claims dossier: claim {CLAIM} has no dossier: one is frozen when a claim is approved\n"
    )
    unknown = run(db, "claims", "dossier", "no-such-claim", "--out", str(out))
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1
    assert "no claim 'no-such-claim'" in unknown.stderr
    judge_and_approve(db, settings, candidates(db)[:3])
    (dossier,) = read_dossiers(db, CLAIM)
    done = run(db, "claims", "dossier", CLAIM, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"{dossier.dossier_id} sha256 {dossier.sha256}"
    exported = out / f"{dossier.dossier_id}.json"
    assert hashlib.sha256(exported.read_bytes()).hexdigest() == dossier.sha256
    assert exported.read_bytes() == (dossier_dir(db) / exported.name).read_bytes()
    html = (out / f"{dossier.dossier_id}.html").read_text()
    assert "<h1>Substantiation dossier: chronic-pain</h1>" in html and dossier.sha256 in html
    everything = run(db, "claims", "dossier", "--all", "--out", str(tmp_path / "all"))
    assert everything.returncode == 0, everything.stderr
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        f"{dossier.dossier_id}.html",
        f"{dossier.dossier_id}.json",
    ]
    neither = run(db, "claims", "dossier", "--out", str(out))
    assert neither.returncode == 1 and "name a claim ID, or pass --all" in neither.stderr
