"""The medical director's claim decisions and alert acknowledgements, kept like corrections.

The app cannot write the warehouse while the nightly job holds it, so decisions go to the
app's own file (the one that holds corrections, see ``dashboards.corrections``), are shown
at once, and are merged into the warehouse by id at the start of the next nightly run (or
by the app when the warehouse is free). Nothing is ever deleted from either file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboards.corrections import (
    APP_WAIT_SECONDS,
    NIGHTLY_WAIT_SECONDS,
    corrections_path,
    new_correction_id,
)
from pipelines.claims import Claim, ClaimEvent, check_event
from warehouse.db import Warehouse

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
        event_id=new_correction_id(now),
    )
    return check_event(event, claim)


def _open_inbox(db_path: Path | str, wait_seconds: float) -> Warehouse:
    wh = Warehouse.open_corrections(corrections_path(db_path), wait_seconds=wait_seconds)
    if wh is None:
        raise BlockingIOError(f"{corrections_path(db_path)} stayed locked")
    return wh


def save_claim_event(
    db_path: Path | str, event: ClaimEvent, *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append a decision to the app's file."""
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.add_claim_events([event])


def save_alert_ack(
    db_path: Path | str,
    alert_id: str,
    reviewer: str,
    note: str = "",
    *,
    now: datetime | None = None,
    wait_seconds: float = APP_WAIT_SECONDS,
) -> None:
    """Record that the director has seen an alert (who, when, and an optional note)."""
    if not reviewer.strip():
        raise ValueError("an acknowledgement needs the reviewer's name")
    at = now or datetime.now(UTC).replace(tzinfo=None)
    ack = {
        "alert_id": alert_id,
        "reviewer": reviewer.strip(),
        "note": note.strip(),
        "acknowledged_at": at,
    }
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.append_alert_ack(ack)


def pending_decisions(
    db_path: Path | str, *, wait_seconds: float = APP_WAIT_SECONDS
) -> tuple[list[ClaimEvent], list[dict[str, Any]]]:
    """The decisions and acknowledgements in the app's file (none if it does not exist)."""
    if not corrections_path(db_path).exists():
        return [], []
    with _open_inbox(db_path, wait_seconds) as wh:
        return wh.claim_events(), wh.alert_acks()


def merge_pending_decisions(
    db_path: Path | str, *, wait_seconds: float = NIGHTLY_WAIT_SECONDS
) -> int:
    """Merge the app's decisions and acknowledgements into the warehouse; idempotent by id."""
    events, acks = pending_decisions(db_path, wait_seconds=wait_seconds)
    if not events and not acks:
        return 0
    wh = Warehouse.open_when_free(db_path, wait_seconds=wait_seconds)
    if wh is None:
        raise TimeoutError(f"{db_path} stayed locked for {wait_seconds} s")
    with wh:
        merged = wh.add_claim_events(events)
        wh.acknowledge_alerts(acks)
    return merged
