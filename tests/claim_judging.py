"""A reviewer's judgements for the tests: support counts judged studies only, so tests of
approvals, watching and publishing first have a person judge the claim's candidates.

Each judgement goes through ``claims.judgements.judge``, the function the ``claims judge``
command and the Claims page call (checked, saved to the inbox, merged, snapshot published),
never written to a table. The reviewer here reads each study as its seed labels do: a
finding in the claim's direction supports it, the opposite contradicts it, mixed is mixed,
and a study that states no direction is not relevant.

Imported explicitly (``from claim_judging import ...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest
from dashboard_fixtures import copy_warehouse, shared_warehouse

from claims.judgements import judge
from claims.registry import load_claims
from claims.state import read_state
from core.claim import Claim, Evidence
from core.settings import CLAIMS_FILE, Settings

JUDGE = "reviewer@clinic.example"
NOTE = "Read the abstract against the claim's wording."


def verdict_from_labels(claim: Claim, e: Evidence) -> str:
    """What a reviewer who agrees with the study's finding label would judge."""
    if e.finding == claim.evidence.finding:
        return "supports"
    if e.finding == claim.evidence.opposing:
        return "contradicts"
    return "mixed" if e.finding == "mixed" else "irrelevant"


def judge_candidates(
    db: Path,
    claim_ids: Sequence[str],
    *,
    claims_file: Path = CLAIMS_FILE,
    reviewer: str = JUDGE,
    only: Sequence[str] = (),
) -> dict[str, list[str]]:
    """Judge every unjudged candidate of the claims (or only the PMIDs named); returns the
    PMIDs judged per claim."""
    settings = Settings(db_path=db, claims_file=claims_file, reviewers=(reviewer,))
    state = read_state(db, load_claims(claims_file))
    judged: dict[str, list[str]] = {}
    for claim_id in claim_ids:
        claim = state.claim(claim_id)
        judged[claim_id] = []
        for e in state.evidence.get(claim_id, ()):
            if e.verdict or (only and e.pmid not in only):
                continue
            verdict = verdict_from_labels(claim, e)
            judge(
                db,
                claim_id=claim_id,
                pmid=e.pmid,
                verdict=verdict,
                by=reviewer,
                note=NOTE,
                settings=settings,
            )
            judged[claim_id].append(e.pmid)
    return judged


JUDGED_CLAIMS = ("chronic-pain", "rapid-relief")  # the claims the decision tests approve


@cache
def _judged(source: Path, directory: Path) -> Path:
    db = copy_warehouse(source, directory)
    judge_candidates(db, JUDGED_CLAIMS)
    return db


def judged_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's labelled warehouse with every candidate of JUDGED_CLAIMS judged by a
    reviewer (merged, snapshot published); never write to it, take a copy_warehouse()."""
    source = shared_warehouse(tmp_path_factory)
    return _judged(source, tmp_path_factory.getbasetemp() / "judged-warehouse")
