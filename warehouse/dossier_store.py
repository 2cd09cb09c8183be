"""Substantiation dossiers in the warehouse: appended once per approval, never updated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from warehouse.base import WarehouseBase, read_sql

TABLE = "claim_dossiers"


class DossiersMixin(WarehouseBase):
    """What claims.dossier stores and reads."""

    def dossier_ids(self) -> list[str]:
        """The ids of the dossiers held; none in a file written before dossiers."""
        if not self.columns(TABLE):
            return []
        return [dossier_id for (dossier_id,) in self._run("read", "dossier_ids")]

    def add_dossiers(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Store dossiers (dossier_id, claim_id, event_id, approved_at, sha256, body, html);
        one already held is kept as it was. Returns how many were new."""
        before = set(self.dossier_ids())
        stored_at = datetime.now(UTC).replace(tzinfo=None)
        new = [{**row, "stored_at": stored_at} for row in rows if row["dossier_id"] not in before]
        if new:
            with self._transaction():
                self._many("write", "dossier_insert", new)
        return len(new)

    def dossier_bodies(self, claim_id: str | None = None) -> list[str]:
        """The canonical JSON of every dossier held (or one claim's), oldest first."""
        if not self.columns(TABLE):
            return []
        sql = read_sql("read", "dossier_bodies")
        return [row["body"] for row in self._dicts(sql, {"claim_id": claim_id})]
