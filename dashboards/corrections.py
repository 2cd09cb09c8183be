"""Reviewers' corrections of labels: validated, kept in the app's own file, merged by id.

The nightly job and the dashboard share one warehouse, and DuckDB lets a file have one writer
or many readers, never both. So the app appends each correction to a small DuckDB file of its
own, ``<stem>.corrections.duckdb`` next to the warehouse (append-only, short connections, the
app its only writer), shows it at once by handing it to the marts it reads, and merges it into
the warehouse's ``label_corrections`` (then republishes the snapshot) whenever the warehouse is
free. The nightly job calls ``merge_pending_corrections`` at its start. Merging is by
correction_id, so it is idempotent, and the file is never pruned: no correction is lost.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboards.taxonomy import CHOICE_FIELDS, CORRECTABLE_FIELDS, LIST_FIELDS
from pipelines.claims import ClaimEvent
from warehouse.db import Warehouse

MAX_REASON = 2000
MAX_KEY_FINDING = 2000
NIGHTLY_WAIT_SECONDS = 120.0  # the app holds the warehouse for a merge and a snapshot copy
APP_WAIT_SECONDS = 10.0  # the nightly holds the corrections file only to read it


def corrections_path(db_path: Path | str) -> Path:
    """Where the dashboard keeps reviewers' corrections for a warehouse file."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.corrections.duckdb")


@dataclass(frozen=True)
class Correction:
    """One reviewer's correction of one label, as stored (values are JSON text)."""

    correction_id: int
    pmid: str
    field: str
    old_value: str | None
    new_value: str
    reviewer: str
    reason: str
    corrected_at: datetime

    def row(self) -> dict[str, Any]:
        return asdict(self)


def parse_value(field: str, value: Any) -> Any:
    """Check a new label value against TAXONOMY.md and return it in the label's own shape.

    Lists keep the taxonomy's order, with duplicates dropped; sample_size and key_finding may
    be None (the reviewer says the abstract gives none).
    """
    if field in LIST_FIELDS:
        chosen = [value] if isinstance(value, str) else list(value or ())
        unknown = sorted(set(chosen) - set(LIST_FIELDS[field]))
        if unknown:
            raise ValueError(f"{field}: unknown value(s) {', '.join(unknown)}")
        return [v for v in LIST_FIELDS[field] if v in chosen]
    if field in CHOICE_FIELDS:
        if value not in CHOICE_FIELDS[field]:
            raise ValueError(f"{field}: choose one of {', '.join(CHOICE_FIELDS[field])}")
        return value
    if field == "sample_size":
        return _sample_size(value)
    if field == "key_finding":
        text = " ".join(str(value or "").split())
        if len(text) > MAX_KEY_FINDING:
            raise ValueError(f"key_finding: at most {MAX_KEY_FINDING} characters")
        return text or None
    raise ValueError(f"{field!r} is not a correctable label")


def _sample_size(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        raise ValueError("sample_size: a whole number of participants, or empty") from None
    if number < 0:
        raise ValueError("sample_size: cannot be negative")
    return number


def new_correction(
    *,
    pmid: str,
    field: str,
    value: Any,
    current: Any,
    reviewer: str,
    reason: str,
    now: datetime | None = None,
) -> Correction:
    """Validate a reviewer's correction and give it its id and time (naive UTC)."""
    if field not in CORRECTABLE_FIELDS:
        raise ValueError(f"{field!r} is not a correctable label")
    reviewer, reason = reviewer.strip(), " ".join(reason.split())
    if not reviewer:
        raise ValueError("a correction needs a reviewer")
    if not reason:
        raise ValueError("say why: a correction needs a reason")
    if len(reason) > MAX_REASON:
        raise ValueError(f"the reason is limited to {MAX_REASON} characters")
    new = parse_value(field, value)
    old = _plain(current)  # the same value again is a reviewer's confirmation of the label
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return Correction(
        correction_id=new_correction_id(now),
        pmid=pmid,
        field=field,
        old_value=json.dumps(old),
        new_value=json.dumps(new),
        reviewer=reviewer,
        reason=reason,
        corrected_at=now,
    )


def new_correction_id(now: datetime) -> int:
    """Microseconds since the epoch x 1000 + a random 0-999: unique across files, time-ordered.

    Far above the warehouse's own sequence (which starts at 1), below 2^63 until year 2262.
    """
    micros = int(now.replace(tzinfo=UTC).timestamp() * 1_000_000)
    return micros * 1000 + secrets.randbelow(1000)


def _plain(value: Any) -> Any:
    """A label value as JSON would hold it (tuples and arrays as lists)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return list(value)


# --- the corrections file and the merge ------------------------------------------------------


def save_correction(
    db_path: Path | str, correction: Correction, *, wait_seconds: float = APP_WAIT_SECONDS
) -> None:
    """Append a correction to the app's file; BlockingIOError if it stays locked."""
    wh = Warehouse.open_corrections(corrections_path(db_path), wait_seconds=wait_seconds)
    if wh is None:
        raise BlockingIOError(f"{corrections_path(db_path)} stayed locked")
    with wh:
        wh.append_correction(correction.row())


def read_corrections(
    db_path: Path | str, *, wait_seconds: float = APP_WAIT_SECONDS
) -> list[dict[str, Any]]:
    """Every correction in the app's file (none if it does not exist yet), oldest first."""
    path = corrections_path(db_path)
    if not path.exists():
        return []
    wh = Warehouse.open_corrections(path, wait_seconds=wait_seconds)
    if wh is None:
        raise BlockingIOError(f"{path} stayed locked")
    with wh:
        return wh.correction_rows()


def merge_pending_corrections(
    db_path: Path | str, *, wait_seconds: float = NIGHTLY_WAIT_SECONDS, publish: bool = False
) -> int:
    """Merge the dashboard's corrections into the warehouse; return how many were new.

    For the nightly flow, first thing (before it opens the warehouse for its load): it waits
    up to wait_seconds for the dashboard's brief hold of either file, then raises
    TimeoutError. Idempotent by correction_id. With publish, republish the snapshot after
    merging something.
    """
    rows = read_corrections(db_path, wait_seconds=wait_seconds)
    if not rows:
        return 0
    wh = Warehouse.open_when_free(db_path, wait_seconds=wait_seconds)
    if wh is None:
        raise TimeoutError(f"{db_path} stayed locked for {wait_seconds} s")
    with wh:
        merged = wh.merge_corrections(rows)
        if publish and merged:
            wh.publish_snapshot()
    return merged


def try_merge_pending(db_path: Path | str, *, republish: bool = False) -> int | None:
    """The app's merge: only if the warehouse is free right now; None if it is busy or absent.

    Merges the corrections and the director's claim decisions and alert acknowledgements
    (``dashboards.claims_inbox`` keeps them in the same file); returns the corrections merged.
    Republishes the snapshot when something was merged, or when asked (a snapshot published
    before the dashboard's views existed).
    """
    if not Path(db_path).exists():
        return None
    try:
        rows, events, acks = _read_app_file(db_path, wait_seconds=1.0)
    except BlockingIOError:
        return None
    wh = Warehouse.open_when_free(db_path)
    if wh is None:
        return None
    with wh:
        merged = wh.merge_corrections(rows)
        decided = _merge_decisions(wh, events, acks)
        if merged or decided or republish:
            wh.publish_snapshot()
    return merged


def _read_app_file(
    db_path: Path | str, *, wait_seconds: float
) -> tuple[list[dict[str, Any]], list[ClaimEvent], list[dict[str, Any]]]:
    """Corrections, claim decisions and acknowledgements, in one short hold of the file."""
    path = corrections_path(db_path)
    if not path.exists():
        return [], [], []
    wh = Warehouse.open_corrections(path, wait_seconds=wait_seconds)
    if wh is None:
        raise BlockingIOError(f"{path} stayed locked")
    with wh:
        return wh.correction_rows(), wh.claim_events(), wh.alert_acks()


def _merge_decisions(wh: Warehouse, events: list[ClaimEvent], acks: list[dict[str, Any]]) -> int:
    """Add the decisions and acknowledgements the warehouse lacks; return how many."""
    still_open = {alert_id for (alert_id,) in wh.query("claim_alerts_open")}
    new_acks = [ack for ack in acks if ack["alert_id"] in still_open]
    added = wh.add_claim_events(events)
    wh.acknowledge_alerts(new_acks)
    return added + len(new_acks)
