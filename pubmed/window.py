"""Which dates a run covers: pure date arithmetic, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

# PubMed's entry dates start in the 1940s-60s; ketamine was first made in 1962.
HISTORY_START = date(1940, 1, 1)
ESEARCH_CAP = 9999  # PubMed's ESearch returns at most the first 9,999 ids of a query


@dataclass(frozen=True)
class Window:
    """An inclusive span of PubMed dates, and whether it is a whole-history backfill."""

    start: date
    end: date
    is_backfill: bool = False

    @property
    def key(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def datetypes(self) -> tuple[str, ...]:
        """Entry dates catch new records; modification dates catch revisions and notices.

        A backfill from the start of history already sees every record by entry date, so
        searching it again by modification date would only double the requests.
        """
        return ("edat",) if self.is_backfill else ("edat", "mdat")


def plan_window(
    *,
    watermark: date | None,
    since: date | None,
    until: date | None,
    today: date,
    overlap_days: int,
) -> Window:
    """Choose the run's window: explicit dates win, else the watermark less an overlap."""
    end = until or today
    if since is not None:
        start = since
    elif watermark is not None:
        start = watermark - timedelta(days=overlap_days)
    else:
        start = HISTORY_START
    if start > end:
        raise ValueError(f"window starts after it ends: {start} > {end}")
    return Window(start=start, end=end, is_backfill=start <= HISTORY_START)


def next_watermark(window: Window, held_from: date | None, overlap_days: int) -> date | None:
    """Where a completed run may move the watermark: to its window's end, unless a PMID first
    promised in a window starting at ``held_from`` is still owed; then no further than where
    the next window (watermark less the overlap) starts there again. None: leave it alone."""
    if held_from is None:
        return window.end
    if held_from <= HISTORY_START:
        return None  # owed since a backfill: the next run backfills again
    return min(window.end, held_from + timedelta(days=overlap_days))


def batched(ids: list[str], size: int) -> list[list[str]]:
    """Split ids into efetch batches of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be positive")
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def split_window(start: date, end: date, count: int) -> list[tuple[date, date]]:
    """Cut [start, end] into contiguous day ranges, in halves or finer when ``count`` is large.

    Aiming at three quarters of the ESearch cap per part leaves room for uneven dates, so
    most parts need one request each instead of a chain of halvings.
    """
    days = (end - start).days + 1
    parts = min(days, max(2, math.ceil(count / (ESEARCH_CAP * 0.75))))
    bounds = [start + timedelta(days=days * i // parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1)) for i in range(parts)]
