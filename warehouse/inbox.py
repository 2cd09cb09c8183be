"""The reviewers' inbox: corrections, claim decisions and acknowledgements, and their one merge.

The nightly job and the dashboard share one warehouse, and DuckDB lets a file have one writer
or many readers, never both. So the dashboard appends what people decide to a small DuckDB file
of its own, ``<stem>.corrections.duckdb`` next to the warehouse (append-only, short connections,
the app its only writer), shows it at once, and this module merges it into the warehouse by id
whenever the warehouse is free: at the start of every nightly run, and from the app. Merging is
idempotent and the inbox is never pruned, so nothing a person decided is lost.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.claim import ClaimEvent, Judgement
from warehouse.db import Warehouse

NIGHTLY_WAIT_SECONDS = 120.0  # the app holds the warehouse for a merge and a snapshot copy
APP_WAIT_SECONDS = 10.0  # the nightly holds the inbox only to read it
# One merge at a time in a process (the app serves sessions in threads; two transactions
# merging the same ids would conflict). Whoever merges outside this module takes it too.
MERGE_LOCK = threading.RLock()


def corrections_path(db_path: Path | str) -> Path:
    """Where the dashboard keeps its inbox for a warehouse file."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.corrections.duckdb")


def new_inbox_id(now: datetime) -> int:
    """Microseconds since the epoch x 1000 + a random 0-999: unique across files, time-ordered.

    Far above the warehouse's own sequence (which starts at 1), below 2^63 until year 2262.
    """
    micros = int(now.replace(tzinfo=UTC).timestamp() * 1_000_000)
    return micros * 1000 + secrets.randbelow(1000)


def _open_inbox(db_path: Path | str, wait_seconds: float) -> Warehouse:
    wh = Warehouse.open_corrections(corrections_path(db_path), wait_seconds=wait_seconds)
    if wh is None:
        raise BlockingIOError(f"{corrections_path(db_path)} stayed locked")
    return wh


def save_correction(
    db_path: Path | str, row: Mapping[str, Any], *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append a correction row to the inbox; BlockingIOError if it stays locked."""
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.append_correction(row)


def save_claim_event(
    db_path: Path | str, event: ClaimEvent, *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append a decision on a claim to the inbox."""
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.add_claim_events([event])


def save_alert_ack(
    db_path: Path | str, ack: Mapping[str, Any], *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append an acknowledgement of an alert (alert_id, reviewer, note, acknowledged_at)."""
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.append_alert_ack(ack)


def save_claim_judgement(
    db_path: Path | str, judgement: Judgement, *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append a person's judgement of a study for a claim to the inbox."""
    with _open_inbox(db_path, wait_seconds) as wh:
        wh.add_claim_judgements([judgement])


@dataclass(frozen=True)
class InboxContents:
    """Everything the inbox holds, read in one short hold of its file."""

    corrections: list[dict[str, Any]]
    events: list[ClaimEvent]
    acks: list[dict[str, Any]]
    judgements: list[Judgement] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.corrections or self.events or self.acks or self.judgements)


def read_inbox(db_path: Path | str, *, wait_seconds: float = APP_WAIT_SECONDS) -> InboxContents:
    """The inbox's corrections, decisions and acknowledgements (all empty if it does not exist)."""
    if not corrections_path(db_path).exists():
        return InboxContents([], [], [])
    with _open_inbox(db_path, wait_seconds) as wh:
        return InboxContents(
            wh.correction_rows(), wh.claim_events(), wh.alert_acks(), wh.claim_judgements()
        )


@dataclass(frozen=True)
class InboxMerge:
    """How many of each kind the warehouse did not hold before a merge."""

    corrections: int = 0
    decisions: int = 0
    acks: int = 0

    @property
    def total(self) -> int:
        return self.corrections + self.decisions + self.acks


def merge_into(wh: Warehouse, inbox: InboxContents) -> InboxMerge:
    """Add what the warehouse lacks, by id; acknowledgements only for alerts still open."""
    corrections = wh.merge_corrections(inbox.corrections)
    decisions = wh.add_claim_events(inbox.events) + wh.add_claim_judgements(inbox.judgements)
    still_open = {alert_id for (alert_id,) in wh.query("claim_alerts_open")}
    acks = [ack for ack in inbox.acks if ack["alert_id"] in still_open]
    wh.acknowledge_alerts(acks)
    return InboxMerge(corrections, decisions, len(acks))


def merge_inbox(
    db_path: Path | str, *, wait_seconds: float = NIGHTLY_WAIT_SECONDS, publish: bool = False
) -> InboxMerge:
    """Merge the inbox into the warehouse, waiting up to wait_seconds for either file.

    The nightly run's first step. TimeoutError if the warehouse stays locked. With publish,
    republish the snapshot when something was merged.
    """
    inbox = read_inbox(db_path, wait_seconds=wait_seconds)
    if not inbox:
        return InboxMerge()
    with MERGE_LOCK:
        wh = Warehouse.open_when_free(db_path, wait_seconds=wait_seconds)
        if wh is None:
            raise TimeoutError(f"{db_path} stayed locked for {wait_seconds} s")
        with wh:
            merged = merge_into(wh, inbox)
            if publish and merged.total:
                wh.publish_snapshot()
    return merged


def try_merge_inbox(db_path: Path | str, *, republish: bool = False) -> InboxMerge | None:
    """The app's merge: only if the warehouse is free right now; None if busy or absent.

    Republishes the snapshot when something was merged, or when asked (a snapshot published
    before the dashboard's views existed).
    """
    if not Path(db_path).exists():
        return None
    try:
        inbox = read_inbox(db_path, wait_seconds=1.0)
    except BlockingIOError:
        return None
    with MERGE_LOCK:
        wh = Warehouse.open_when_free(db_path)
        if wh is None:
            return None
        with wh:
            merged = merge_into(wh, inbox)
            if merged.total or republish:
                wh.publish_snapshot()
    return merged
