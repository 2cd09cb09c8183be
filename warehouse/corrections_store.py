"""Reviewers' corrections in a warehouse or inbox file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import duckdb

from warehouse.base import _NAME, WarehouseBase, _quote_identifier, read_sql


class CorrectionsMixin(WarehouseBase):
    """The label_corrections table, in the warehouse and in the dashboard's inbox file."""

    def append_correction(self, correction: Mapping[str, Any]) -> None:
        """Append one correction (the columns of label_corrections) to a corrections file."""
        self._run("write", "correction_append", correction)

    def correction_rows(self) -> list[dict[str, Any]]:
        """Every correction this file holds, JSON values as text, oldest first."""
        return self._dicts(read_sql("read", "dash_correction_rows"))

    def merge_corrections(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert the corrections this warehouse lacks, by correction_id; return how many."""
        if not rows:
            return 0
        with self._transaction():
            inserted = self._run("write", "correction_merge", {"rows": [dict(r) for r in rows]})
        return len(inserted)

    def set_pending_corrections(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Hand this connection's marts.dash_* views the dashboard's own corrections."""
        if rows:
            self._run("write", "correction_pending", {"rows": [dict(r) for r in rows]})

    @classmethod
    def open_memory_copy(
        cls,
        source: Path | str,
        relations: Sequence[str],
        pending: Sequence[Mapping[str, Any]] = (),
    ) -> Self:
        """An in-memory warehouse holding copies of some `marts` relations of a file.

        For a reader asking many questions of one published snapshot: the marts are views
        over every article, so copying them once (the dashboard's pending corrections handed
        in first) lets each later question scan a small table instead of a million rows.
        The file is attached read-only only while copying; the copy holds no lock on it.
        """
        con = duckdb.connect(":memory:")
        wh = cls(con, Path(source), True)
        try:
            ((memory,),) = wh._run("read", "current_database")
            wh.set_pending_corrections(pending)
            con.execute("ATTACH ? AS copy_source (READ_ONLY)", [str(source)])
            con.execute(f"CREATE SCHEMA {_quote_identifier(memory)}.marts")
            con.execute("USE copy_source")  # the views name their tables without a catalog
            for name in relations:
                if not _NAME.fullmatch(name):
                    raise ValueError(f"not a relation name: {name!r}")
                # Identifiers cannot be bound; these are checked names of marts relations.
                con.execute(
                    f"CREATE TABLE {_quote_identifier(memory)}.marts.{name} AS "
                    f"SELECT * FROM copy_source.marts.{name}"
                )
            con.execute(f"USE {_quote_identifier(memory)}")
            con.execute("DETACH copy_source")
        except BaseException:
            wh.close()
            raise
        return wh
