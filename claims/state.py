"""The claims as they stand now: the registry, every decision (merged into the warehouse or
still in the reviewers' inbox) and the evidence in the warehouse's published snapshot.

The Claims page, the ``claims`` command and ``publish`` all read claims through here, so a
decision counts everywhere the moment it is saved, whether or not the nightly job holds the
warehouse. Reading never takes the live file's lock while a snapshot exists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from claims.ranking import rank_candidates
from claims.registry import apply_events, standing_approval
from claims.support import (
    counted,
    overlay,
    preclinical_only,
    recommended_citations,
    strength_order,
    summarise,
    support_status,
)
from core.article import Article
from core.claim import (
    FORM_NAMES,
    PUBLISHED_STATUS,
    Claim,
    ClaimEvent,
    ClaimSupport,
    Evidence,
    JudgedStudy,
    Shown,
)
from warehouse.db import Warehouse, snapshot_path
from warehouse.inbox import read_inbox

READ_WAIT_SECONDS = 30.0


class UnknownClaim(KeyError):
    """No claim of the registry has this id."""

    def __str__(self) -> str:
        return f"no claim {self.args[0]!r} in the registry"


@dataclass(frozen=True)
class ClaimState:
    """Every claim with every decision applied, and the evidence read with them."""

    claims: tuple[Claim, ...]
    events: tuple[ClaimEvent, ...]  # every decision, in the order they apply
    evidence: Mapping[str, Sequence[Evidence]]
    articles: Mapping[str, Article]  # the records the claims cite or would be recommended
    pending: int  # decisions in the inbox that the file read does not hold yet
    source: Path  # the file read: the snapshot, or the live file before any snapshot
    as_of: datetime | None  # when the evidence was last loaded

    def claim(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.claim_id == claim_id:
                return claim
        raise UnknownClaim(claim_id)

    def decisions(self, claim_id: str) -> list[ClaimEvent]:
        return [e for e in self.events if e.claim_id == claim_id]


def read_state(
    db_path: Path,
    registry: Sequence[Claim],
    *,
    claim_id: str | None = None,
    pmids: Sequence[str] = (),
) -> ClaimState:
    """Read the claims now; with claim_id, only that claim's evidence (cheaper). The records
    of the claims' citations and recommendations are read, and of any other pmids named.

    FileNotFoundError without a warehouse; TimeoutError if the live file stays locked.
    """
    if claim_id is not None and claim_id not in {c.claim_id for c in registry}:
        raise UnknownClaim(claim_id)
    source = snapshot_path(db_path)
    if not source.exists():
        source = Path(db_path)
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    contents = read_inbox(db_path)
    inbox = contents.events
    wh = Warehouse.open_when_free(source, read_only=True, wait_seconds=READ_WAIT_SECONDS)
    if wh is None:
        raise TimeoutError(f"{source} stayed locked by another process")
    with wh:
        held = wh.claim_events()
        held_ids = {e.event_id for e in held}
        pending = [e for e in inbox if e.event_id not in held_ids]
        events = tuple(sorted([*held, *pending], key=lambda e: (e.decided_at, e.event_id or 0)))
        claims = tuple(apply_events(c, events) for c in registry)
        # Judgements in the inbox count at once, as decisions do (newest wins).
        evidence = overlay(wh.claim_evidence(claim_id), contents.judgements)
        wanted = _wanted_pmids(claims, evidence, claim_id, pmids)
        articles = {a.pmid: a for a in wh.articles(wanted)} if wanted else {}
        as_of = wh.claims_as_of()
    return ClaimState(claims, events, evidence, articles, len(pending), source, as_of)


def _wanted_pmids(
    claims: Sequence[Claim],
    evidence: Mapping[str, Sequence[Evidence]],
    only: str | None,
    extra: Sequence[str],
) -> list[str]:
    wanted = {p.strip() for p in extra if p.strip().isdigit()}
    for claim in claims:
        if only is None or claim.claim_id == only:
            wanted.update(claim.cited_pmids)
            wanted.update(recommended_citations(evidence.get(claim.claim_id, ()), claim.evidence))
    return sorted(wanted, key=int)


def evidence_digest(evidence: Sequence[Evidence], support: str) -> str:
    """sha256 over a claim's evidence as its form shows it (per study: pmid, design, finding,
    retracted, concern, the person's judgement) and its support: any change in what backs
    the claim changes it."""
    rows = [
        [e.pmid, e.design, e.finding, bool(e.retracted), bool(e.concern), e.verdict]
        for e in sorted(evidence, key=lambda e: (len(e.pmid), e.pmid))
    ]
    text = json.dumps({"studies": rows, "support": support}, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shown(state: ClaimState, claim_id: str) -> Shown:
    """What a decision form on the claim shows now."""
    claim = state.claim(claim_id)
    evidence = state.evidence.get(claim_id, ())
    support = support_status(evidence, claim.evidence)
    cited = claim.cited_pmids or tuple(recommended_citations(evidence, claim.evidence))
    decisions = state.decisions(claim_id)
    return Shown(
        claim_id=claim_id,
        status=claim.status,
        wording=claim.wording,
        cited_pmids=cited,
        evidence_digest=evidence_digest(evidence, support),
        support=support,
        studies=len(evidence),
        last_event_id=decisions[-1].event_id if decisions else None,
    )


def supports(state: ClaimState) -> list[ClaimSupport]:
    """Every claim as writers and the public site see it.

    An approved claim carries exactly the citations approved, in the approved order, less any
    study since retracted or deleted (the director is alerted to a retraction); any other
    claim carries its recommended citations.
    """
    out = []
    for claim in state.claims:
        evidence = state.evidence.get(claim.claim_id, ())
        summary = summarise(claim, evidence)
        if claim.status == PUBLISHED_STATUS:
            chosen = [state.articles.get(p) for p in claim.cited_pmids]
            references = tuple(a for a in chosen if a and not a.deleted and not a.retracted)
        else:
            references = tuple(
                state.articles[p] for p in summary.recommended if p in state.articles
            )
        out.append(
            ClaimSupport(
                claim_id=claim.claim_id,
                wording=claim.wording,
                page=claim.page,
                status=claim.status,
                support=summary.support,
                cebm_level=summary.cebm_level,
                grade=claim.grade,
                counts_by_design=summary.counts_by_design,
                findings=summary.findings,
                participants=summary.participants,
                references=references,
                as_of=state.as_of,
                kind=claim.kind,
                forms=claim.forms,
                regulatory=dict(claim.regulatory),
                beyond_label=claim.beyond_label,
                judged=judged_studies(evidence, claim),
                support_by_form=summary.by_form,
                unjudged=summary.unjudged,
                preclinical_only=preclinical_only(evidence, claim.evidence),
            )
        )
    return out


def judged_studies(evidence: Sequence[Evidence], claim: Claim) -> tuple[JudgedStudy, ...]:
    """The studies a person judged as bearing on the claim, strongest first: what counts."""
    return tuple(
        JudgedStudy(e.pmid, e.verdict or "", e.form, e.design, e.year)
        for e in sorted(counted(evidence, claim.evidence), key=strength_order)
    )


def describe(state: ClaimState, claim_id: str) -> dict[str, Any]:
    """One claim in full, for the ``claims show`` command: the claim, its support, its
    studies, the approval it stands on (with any override) and every decision on it."""
    claim = state.claim(claim_id)
    evidence = state.evidence.get(claim_id, ())
    summary = summarise(claim, evidence)
    now = shown(state, claim_id)
    approval = standing_approval(claim_id, state.events)
    by_pmid = {e.pmid: e for e in evidence}
    return {
        "claim_id": claim.claim_id,
        "wording": claim.wording,
        "page": claim.page,
        "status": claim.status,
        "grade": claim.grade,
        "cited_pmids": list(claim.cited_pmids),
        "kind": claim.kind,
        "forms": list(claim.forms),
        "regulatory": dict(claim.regulatory),
        "beyond_label": claim.beyond_label,
        "evidence_query": {
            k: list(v) if isinstance(v, tuple) else v for k, v in asdict(claim.evidence).items()
        },
        "support": {
            "status": summary.support,
            "counts": "judged studies only (supports, contradicts, mixed by a person)",
            "cebm_level": summary.cebm_level,
            "studies": sum(summary.counts_by_design.values()),
            "candidates": summary.candidates,
            "unjudged": summary.unjudged,
            "judged": summary.judged,
            "by_form": {
                f: {"name": FORM_NAMES[f], "support": s} for f, s in summary.by_form.items()
            },
            "preclinical_only": preclinical_only(evidence, claim.evidence),
            "counts_by_design": summary.counts_by_design,
            "findings": summary.findings,
            "participants": summary.participants,
            "recommended": list(summary.recommended),
            "retracted": list(summary.retracted),
            "evidence_digest": now.evidence_digest,
        },
        "studies": [_study(e) for e in sorted(evidence, key=strength_order) if e.verdict],
        "candidates": [
            {**_study(by_pmid[c.pmid]), "score": c.score, "suggested": c.suggested, "why": c.why}
            for c in rank_candidates(claim, evidence)
        ],
        "approval": _decision(approval) if approval else None,
        "decisions": [_decision(e) for e in state.decisions(claim_id)],
        "unmerged_decisions": state.pending,
        "as_of": state.as_of.isoformat() if state.as_of else None,
    }


def _study(e: Evidence) -> dict[str, Any]:
    return {
        "pmid": e.pmid,
        "design": e.design,
        "finding": e.finding,
        "year": e.year,
        "sample_size": e.sample_size,
        "retracted": bool(e.retracted),
        "concern": bool(e.concern),
        "title": e.title,
        "drug": e.drug,
        "routes": list(e.routes),
        "form": e.form,
        "matched_by_query": e.matched,
        "added_by": e.added_by,
        "judgement": e.verdict,
        "judged_by": e.judged_by,
        "judged_at": e.judged_at.isoformat() if e.judged_at else None,
        "note": e.note,
    }


def _decision(event: ClaimEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "action": event.action,
        "by": event.reviewer,
        "at": event.decided_at.isoformat(),
        "reason": event.reason,
        "wording": event.wording,
        "cited_pmids": None if event.cited_pmids is None else list(event.cited_pmids),
        "grade": event.grade,
        "override_reason": event.override_reason,
        "channel": event.channel,
        "evidence_digest": event.evidence_digest,
    }
