"""One read-only connection to a published snapshot, kept for as long as it is the current one.

Opening the snapshot file costs more than most of the dashboard's reads of it (DuckDB loads
its catalog and metadata each time), so a reader process keeps one connection per snapshot
and gives each read a cursor of its own: a cursor is a fresh session on the same database
(its own pending-corrections variable, safe in its own thread) and costs microseconds.

Holding the connection never blocks the nightly job: it writes the live file and swaps a new
snapshot in by renaming, and a reader already open keeps the old file until it closes. The
owner closes the reader once a newer snapshot is published and only then opens the new one:
while any connection to a path is open in a process, DuckDB hands a new connect() to that
path the cached old database instead of the new file.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import Warehouse


class ReaderClosed(RuntimeError):
    """The reader was closed (a newer snapshot replaced its file) before the read began."""


class SnapshotReader:
    """A read-only snapshot connection shared by threads; one cursor per read."""

    def __init__(self, path: Path | str, stamp: Hashable) -> None:
        self.path = Path(path)
        self.stamp = stamp  # the owner's mark of which file this is (inode, mtime, size)
        self._con = duckdb.connect(str(self.path), read_only=True)
        # One thread per query: the reads are small, a second thread's start-up and hand-offs
        # cost more than it saves on two shared cores, and concurrent users get a core each.
        # Set after connecting: a connect() with its own config would make every other
        # read-only connect() to this file in the process fail as "a different configuration".
        self._con.execute("SET threads = 1")
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False

    @contextmanager
    def session(self, pending: Sequence[Mapping[str, Any]] = ()) -> Iterator[Warehouse]:
        """A warehouse on a cursor of its own, the app's pending corrections handed in."""
        with self._cond:
            if self._closed:
                raise ReaderClosed(str(self.path))
            self._active += 1
        cursor = None
        try:
            cursor = self._con.cursor()
            wh = Warehouse(cursor, self.path, True)
            wh.set_pending_corrections(pending)
            yield wh
        finally:
            if cursor is not None:
                cursor.close()
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def query_frame(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        pending: Sequence[Mapping[str, Any]] = (),
    ) -> Any:
        """One named read (sql/read/<name>.sql) as a DataFrame."""
        with self.session(pending) as wh:
            return wh.query_frame(name, params)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Refuse new reads, wait for those under way, then close the connection."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.wait_for(lambda: self._active == 0)
        self._con.close()
