"""Watching approved claims: what changed since the last run, as alerts. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from claims.registry import apply_events
from claims.support import summarise
from core.article import Article
from core.claim import Alert, Claim, ClaimEvent, ClaimResults, Evidence, SupportSummary, WatchState


def watch(
    claim: Claim,
    evidence: Sequence[Evidence],
    summary: SupportSummary,
    previous: WatchState | None,
    cited: Mapping[str, Evidence | Article],
    run_id: str,
    now: datetime,
) -> list[Alert]:
    """Alerts for one claim after a run.

    Only approved claims raise alerts. The first watch of a claim records what it sees
    without calling all of it new. ``cited`` maps the claim's cited PMIDs to their records.
    """
    if claim.status != "approved":
        return []
    alerts: list[Alert] = []

    def alert(kind: str, pmid: str | None, detail: str, key: str | None = None) -> None:
        alert_id = f"{claim.claim_id}:{kind}:{key or pmid}"
        alerts.append(Alert(alert_id, claim.claim_id, kind, pmid, detail, now))

    if previous is not None:
        for e in sorted(evidence, key=lambda e: int(e.pmid)):
            if e.pmid in previous.seen or e.retracted:
                continue
            label = _study_label(e)
            if e.design == "meta_analysis":
                alert("new_meta_analysis", e.pmid, f"New meta-analysis ({e.finding}): {label}")
            elif e.design == "rct":
                alert("new_rct", e.pmid, f"New RCT ({e.finding}): {label}")
            if e.finding == claim.evidence.opposing:
                alert("new_negative", e.pmid, f"New {e.design} against the claim: {label}")
            elif e.finding == "mixed":
                alert("new_mixed", e.pmid, f"New {e.design} with a mixed finding: {label}")
        if previous.status is not None and previous.status != summary.support:
            alert(
                "status_change",
                None,
                f"Support changed from {previous.status} to {summary.support}",
                key=f"{previous.status}->{summary.support}@{run_id}",
            )
    for pmid in claim.cited_pmids:
        record = cited.get(pmid)
        if record is None:
            continue
        title = record.title or f"PMID {pmid}"
        if record.retracted:
            alert("retraction", pmid, f"A cited study was retracted: {title} (PMID {pmid})")
        if record.concern:
            alert(
                "concern",
                pmid,
                f"A cited study has an expression of concern: {title} (PMID {pmid})",
            )
        for kind, notice in _linked_notices(record):
            what = NOTICE_WORDS[kind]
            where = f"notice PMID {notice}" if notice else "notice without a PMID"
            detail = f"A cited study has {what}: {title} (PMID {pmid}; {where})"
            alert(kind, pmid, detail, key=f"{pmid}:{notice or 'unlinked'}")
    return alerts


# PubMed's reference types that change what a cited study says, as the alert kinds they raise.
NOTICE_KINDS = {"ErratumIn": "erratum", "UpdateIn": "update"}
NOTICE_WORDS = {"erratum": "an erratum", "update": "an update"}


def _linked_notices(record: Evidence | Article) -> list[tuple[str, str | None]]:
    """(kind, notice PMID) for each erratum or update PubMed links to the record.

    Keyed by the notice's PMID, so a second erratum on the same study is a new alert
    while the same erratum seen again is the same one. Evidence carries no links.
    """
    links = getattr(record, "comments_corrections", ())
    found = {(NOTICE_KINDS[c.type], c.pmid) for c in links if c.type in NOTICE_KINDS}
    return sorted(found, key=lambda f: (f[0], f[1] or ""))


def _study_label(e: Evidence) -> str:
    title = (e.title or "").strip() or "untitled"
    year = f" ({e.year})" if e.year else ""
    size = f", N={e.sample_size}" if e.sample_size else ""
    return f"{title}{year}{size}, PMID {e.pmid}"


def evaluate_claims(
    registry: Sequence[Claim],
    events: Sequence[ClaimEvent],
    evidence: Mapping[str, Sequence[Evidence]],
    previous: Mapping[str, WatchState],
    cited: Mapping[str, Article],
    run_id: str,
    now: datetime,
) -> ClaimResults:
    """Apply the director's decisions, summarise each claim's evidence, and watch for changes."""
    claims = tuple(apply_events(c, events) for c in registry)
    summaries: dict[str, SupportSummary] = {}
    alerts: list[Alert] = []
    for claim in claims:
        found = evidence.get(claim.claim_id, ())
        summaries[claim.claim_id] = summary = summarise(claim, found)
        alerts += watch(claim, found, summary, previous.get(claim.claim_id), cited, run_id, now)
    return ClaimResults(claims, evidence, summaries, tuple(alerts))
