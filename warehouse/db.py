"""The only module that talks to DuckDB: schema, the nightly load, reads and snapshots.

SQL lives in ``sql/``: ``raw``, ``staging`` and ``marts`` hold one relation per file, applied
in that order on every read-write open (idempotent); ``write`` and ``read`` hold the named
statements this module runs. Values are always bound, never formatted into SQL.

One writer at a time: DuckDB lets a file have one read-write process or many readers, never
both, so dashboards read the snapshot that ``publish_snapshot`` swaps in after each load.
A ``Warehouse`` holds one connection and is not meant to be shared between threads."""

from __future__ import annotations

from warehouse.base import SQL_DIR, STORAGE_VERSION, read_sql, snapshot_path
from warehouse.claims_store import ClaimsMixin
from warehouse.corrections_store import CorrectionsMixin
from warehouse.dossier_store import DossiersMixin
from warehouse.loads import LoadCounts, LoadsMixin, PubmedFile, RawBatch, RunLoad
from warehouse.retractions import RetractionsMixin

__all__ = [
    "SQL_DIR",
    "STORAGE_VERSION",
    "LoadCounts",
    "PubmedFile",
    "RawBatch",
    "RunLoad",
    "Warehouse",
    "read_sql",
    "snapshot_path",
]


class Warehouse(LoadsMixin, ClaimsMixin, CorrectionsMixin, DossiersMixin, RetractionsMixin):
    """A DuckDB warehouse file: schema, loads, reads, claims, corrections and snapshots."""
