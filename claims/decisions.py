"""The medical director's decisions on claims and acknowledgements of alerts, checked.

Stored through the warehouse's inbox (``warehouse.inbox``) and applied to the registry's claims
by ``claims.registry.apply_events``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from claims.registry import check_event
from core.claim import Claim, ClaimEvent
from warehouse.inbox import new_inbox_id

MAX_REASON = 2000


def new_claim_event(
    claim: Claim,
    *,
    action: str,
    reviewer: str,
    reason: str,
    wording: str | None = None,
    cited_pmids: list[str] | tuple[str, ...] | None = None,
    grade: str | None = None,
    now: datetime | None = None,
) -> ClaimEvent:
    """A validated decision with its id and time (naive UTC)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValueError(f"the reason is limited to {MAX_REASON} characters")
    if wording is not None:
        wording = " ".join(wording.split())
        wording = None if wording == claim.wording else wording
    cited = None if cited_pmids is None else tuple(p.strip() for p in cited_pmids if p.strip())
    event = ClaimEvent(
        claim_id=claim.claim_id,
        action=action,
        reviewer=reviewer.strip(),
        reason=reason,
        decided_at=now,
        wording=wording,
        cited_pmids=cited,
        grade=grade,
        event_id=new_inbox_id(now),
    )
    return check_event(event, claim)


def new_alert_ack(
    alert_id: str, reviewer: str, note: str = "", *, now: datetime | None = None
) -> dict[str, Any]:
    """That the director has seen an alert: who, when, and an optional note."""
    if not reviewer.strip():
        raise ValueError("an acknowledgement needs the reviewer's name")
    return {
        "alert_id": alert_id,
        "reviewer": reviewer.strip(),
        "note": note.strip(),
        "acknowledged_at": now or datetime.now(UTC).replace(tzinfo=None),
    }
