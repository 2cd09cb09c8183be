"""People's judgements of studies for claims: checked, saved through the inbox, applied.

A judgement says whether one study backs one claim's words (supports, contradicts, mixed) or
does not bear on them (irrelevant). Support counts judged studies only; the labels merely
propose candidates. Judgements go to the reviewers' inbox first, like corrections, so the
dashboard can judge while the nightly job holds the warehouse, and are merged when it is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from claims.decisions import DecisionRefused
from claims.refresh import settle
from claims.registry import load_claims
from claims.state import read_state
from core.claim import VERDICTS, Judgement
from core.settings import Settings
from warehouse.inbox import new_inbox_id, save_claim_judgement

MAX_NOTE = 2000


class JudgementRefused(DecisionRefused):
    """The judgement is not allowed as made; the message says why. Nothing was saved."""


class NotAReviewer(JudgementRefused):
    """Only configured reviewers and medical directors judge studies."""


@dataclass(frozen=True)
class Judged:
    """A saved judgement, and whether it reached the warehouse at once."""

    judgement: Judgement
    merged: bool


def new_judgement(
    claim_id: str,
    pmid: str,
    verdict: str,
    reviewer: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> Judgement:
    """A validated judgement with its id and time (naive UTC)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    if verdict not in VERDICTS:
        raise JudgementRefused(f"a judgement is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if not pmid.strip().isdigit():
        raise JudgementRefused(f"a PMID is digits only, not {pmid!r}")
    if not reviewer.strip():
        raise JudgementRefused("a judgement needs the reviewer's e-mail")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise JudgementRefused(f"the note is limited to {MAX_NOTE} characters")
    return Judgement(
        claim_id=claim_id,
        pmid=pmid.strip(),
        verdict=verdict,
        reviewer=reviewer.strip().lower(),
        note=note,
        judged_at=now,
        judgement_id=new_inbox_id(now),
    )


def judge(
    db_path: Path,
    *,
    claim_id: str,
    pmid: str,
    verdict: str,
    by: str,
    note: str,
    settings: Settings,
) -> Judged:
    """Check and save a judgement, then merge it when the warehouse is free.

    NotAReviewer or JudgementRefused (a ValueError) says why it was refused.
    """
    if not settings.roles_of(by) & {"reviewer", "director"}:
        raise NotAReviewer(
            f"{by.strip() or 'nobody'} is not a reviewer or medical director "
            "(EVIDENCE_REVIEWERS / EVIDENCE_DIRECTORS); only they judge studies"
        )
    registry = load_claims(settings.claims_file)
    state = read_state(db_path, registry, claim_id=claim_id)
    candidates = {e.pmid for e in state.evidence.get(claim_id, ())}
    if pmid.strip() not in candidates:
        raise JudgementRefused(
            f"PMID {pmid} is not a candidate study of {claim_id}; add it first "
            f"(claims add {claim_id} {pmid} --by EMAIL)"
        )
    judgement = new_judgement(claim_id, pmid, verdict, by, note)
    save_claim_judgement(db_path, judgement)
    return Judged(judgement, settle(db_path, registry))
