"""The pages' reads: the published snapshot, through one read-only connection per snapshot.

The app never opens the live warehouse to read, so the nightly writer is never blocked by it:
the writer swaps a new snapshot in by renaming, and the app keeps one connection to the
current snapshot (opening the file costs more than most reads of it), closing it when a newer
one appears. The marts are views over every article; so that filtering stays fast at a
million studies, the app copies the small ones it filters (``COPIED``) into memory once per
snapshot and corrections stamp, and reads the rest (one study, the text search) from the
snapshot itself. The app's own corrections are handed to every load
(``marts.dash_pending_corrections``), so they show before they are merged, and a newly
published snapshot or a new correction shows on the next rerun.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from claims.registry import load_claims
from core.claim import Claim, ClaimEvent
from dashboards.context import Context
from dashboards.reads import COPIED, DASH_VIEWS, FILE_READS
from warehouse.db import Warehouse
from warehouse.inbox import read_inbox, try_merge_inbox
from warehouse.snapshot_reader import ReaderClosed, SnapshotReader

MERGE_RETRY_SECONDS = 30.0
MAX_READERS = 4  # snapshot files held open at once (the app reads one; tests make many)
CACHE_TTL_SECONDS = 3600  # stamps invalidate on change; this only bounds memory of old ones

Stamp = tuple[int, int, int] | None

# One merge (and snapshot publish) at a time in this process: Streamlit runs sessions in
# threads, and two transactions merging the same ids would conflict.
_merge_lock = threading.Lock()
_last_merge_attempt: dict[str, float] = {}
# The connection kept per snapshot path, and the lock under which one is swapped for another.
_readers: dict[str, SnapshotReader] = {}
_readers_lock = threading.Lock()


def file_stamp(path: Path) -> Stamp:
    """What changes whenever a DuckDB file is replaced or written (its WAL included)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    try:
        wal_mtime = path.with_name(f"{path.name}.wal").stat().st_mtime_ns
    except FileNotFoundError:
        wal_mtime = 0
    return (stat.st_ino, stat.st_mtime_ns ^ wal_mtime, stat.st_size)


def data_stamp(ctx: Context) -> tuple[Stamp, Stamp]:
    return file_stamp(ctx.snapshot), file_stamp(ctx.corrections)


def read_frame(ctx: Context, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """A named read (sql/read/<name>.sql) over the snapshot, corrections overlaid, cached."""
    return _read(str(ctx.snapshot), str(ctx.db_path), data_stamp(ctx), name, params or {})


@st.cache_data(show_spinner=False, max_entries=512, ttl=CACHE_TTL_SECONDS)
def _read(
    snapshot: str, db: str, stamp: tuple[Stamp, Stamp], name: str, params: dict[str, Any]
) -> pd.DataFrame:
    if name in FILE_READS:
        return read_snapshot(Path(snapshot), name, params, _pending(db, stamp[1]))
    copy = _memory_copy(snapshot, db, stamp)
    with copy.lock:
        return copy.warehouse.query_frame(name, params)


def read_snapshot(
    snapshot: Path, name: str, params: dict[str, Any], pending: list[dict[str, Any]]
) -> pd.DataFrame:
    """A named read from the current snapshot, on the connection kept for it."""
    while True:
        try:
            frame: pd.DataFrame = snapshot_reader(snapshot).query_frame(name, params, pending)
            return frame
        except ReaderClosed:  # a newer snapshot replaced it meanwhile: read that one
            continue


def snapshot_reader(snapshot: Path) -> SnapshotReader:
    """The connection to the snapshot file as it is now, opened at most once per file.

    A held one whose file was replaced is closed first, since DuckDB would otherwise hand
    the new connect() the old file's database.
    """
    stamp = file_stamp(snapshot)
    key = str(snapshot)
    with _readers_lock:
        held = _readers.get(key)
        if held is not None and held.stamp == stamp and not held.closed:
            return held
        if held is not None:
            del _readers[key]
            held.close()
        while len(_readers) >= MAX_READERS:
            _readers.pop(next(iter(_readers))).close()
        reader = _readers[key] = SnapshotReader(snapshot, stamp)
        return reader


@dataclass(frozen=True)
class _Copy:
    """An in-memory copy of the snapshot's filtered marts; one query at a time."""

    warehouse: Warehouse
    lock: threading.Lock


@st.cache_resource(show_spinner=False, max_entries=2)
def _memory_copy(snapshot: str, db: str, stamp: tuple[Stamp, Stamp]) -> _Copy:
    pending = _pending(db, stamp[1])
    return _Copy(Warehouse.open_memory_copy(snapshot, COPIED, pending), threading.Lock())


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL_SECONDS)
def _pending(db: str, stamp: Stamp) -> list[dict[str, Any]]:
    return read_inbox(db).corrections if stamp is not None else []


def snapshot_views(ctx: Context) -> frozenset[str]:
    """The marts views the current snapshot holds (none if there is no snapshot)."""
    stamp = file_stamp(ctx.snapshot)
    return _views(str(ctx.snapshot), stamp) if stamp else frozenset()


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL_SECONDS)
def _views(snapshot: str, stamp: Stamp) -> frozenset[str]:
    return frozenset(read_snapshot(Path(snapshot), "dash_views", {}, [])["view_name"])


def ensure_ready(ctx: Context) -> str:
    """'ready' to read; 'busy' while the nightly job holds a warehouse whose snapshot lacks
    the dashboards' views (it publishes one when done); 'missing' if there is no warehouse.
    """
    if set(DASH_VIEWS) <= snapshot_views(ctx):
        return "ready"
    if not ctx.db_path.exists():
        return "missing"
    if merge_now(ctx, republish=True) is None:
        return "busy"
    return "ready" if set(DASH_VIEWS) <= snapshot_views(ctx) else "missing"


def merge_now(ctx: Context, *, republish: bool = False) -> int | None:
    """Merge the app's inbox into the live warehouse if it is free; None if busy.

    Returns how many corrections were new.
    """
    with _merge_lock:
        _last_merge_attempt[str(ctx.db_path)] = time.monotonic()
        merged = try_merge_inbox(ctx.db_path, republish=republish)
        return None if merged is None else merged.corrections


def pending_count(ctx: Context) -> int:
    """Corrections the app holds that the snapshot does not yet."""
    return int(read_frame(ctx, "dash_pending_count")["pending"].iloc[0])


def sync_pending(ctx: Context) -> int:
    """Try to merge pending corrections and claim decisions now and then (the nightly may
    have held the file); return the corrections still pending."""
    pending = pending_count(ctx)
    last = _last_merge_attempt.get(str(ctx.db_path), 0.0)
    waiting = pending or unmerged_decision_count(ctx)
    if waiting and time.monotonic() - last >= MERGE_RETRY_SECONDS:
        merge_now(ctx)
        pending = pending_count(ctx)
    return pending


# --- claims: the registry and the director's decisions the app holds -------------------------


def claims_registry(ctx: Context) -> list[Claim]:
    """The claims registry the nightly job reads, re-read when the file changes."""
    stat = ctx.claims_file.stat()
    return _registry(str(ctx.claims_file), (stat.st_mtime_ns, stat.st_size))


@st.cache_data(show_spinner=False, max_entries=4, ttl=CACHE_TTL_SECONDS)
def _registry(path: str, stamp: tuple[int, int]) -> list[Claim]:
    return load_claims(Path(path))


def claim_decisions(ctx: Context) -> tuple[list[ClaimEvent], list[dict[str, Any]]]:
    """Every decision and acknowledgement in the app's file, merged or not (cached per stamp)."""
    return _decisions(str(ctx.db_path), file_stamp(ctx.corrections))


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL_SECONDS)
def _decisions(db: str, stamp: Stamp) -> tuple[list[ClaimEvent], list[dict[str, Any]]]:
    if stamp is None:
        return [], []
    inbox = read_inbox(db)
    return inbox.events, inbox.acks


def unmerged_decision_count(ctx: Context) -> int:
    """Decisions and acknowledgements the app holds that the snapshot does not yet."""
    events, acks = claim_decisions(ctx)
    if not events and not acks:
        return 0
    held = set(read_frame(ctx, "dash_claim_history")["event_id"])
    alerts = read_frame(ctx, "dash_claim_alerts")
    still_open = set(alerts.loc[alerts["acknowledged_at"].isna(), "alert_id"])
    return sum(e.event_id not in held for e in events) + sum(
        a["alert_id"] in still_open for a in acks
    )
