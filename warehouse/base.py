"""The DuckDB connection itself: opening, the schema, transactions, statements, snapshots."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, Self

import duckdb

from core.article import LABEL_FIELDS, Article
from warehouse.search_index import build_search_index

SQL_DIR = Path(__file__).resolve().parent / "sql"
SCHEMA_LAYERS = ("raw", "staging", "marts")
# Storage format 64 (DuckDB 1.0): DuckDB 1.0 and later all read the file and its snapshot;
# 2.x's default ('latest', 999) is unreadable to the 1.4 line that other tools still pin.
STORAGE_VERSION = "v1.0.0"
FEED = "pubmed"
QUARANTINE_SOURCE = "efetch"
GZIP_LEVEL = 3  # as the spool: ~90 MB/s at ratio 4.9 on PubMed XML (level 6: ~40 MB/s, 5.6)
ARTICLE_COLUMNS = tuple(f.name for f in fields(Article))
RELABEL_COLUMNS = (
    "pmid",
    *LABEL_FIELDS,
    "key_finding",
    "confidence",
    "model_version",
    "needs_review",
)
# The columns of `articles` after the Article fields: the load's own record of each row.
BOOKKEEPING_COLUMNS = (
    "first_seen_run",
    "first_seen_at",
    "last_seen_run",
    "changed_run",
    "changed_at",
    "deleted_run",
    "deleted_at",
)
QUARANTINE_COLUMNS = ("run_id", "pmid", "reason", "raw", "quarantined_at", "source")
BATCH_COLUMNS = ("run_id", "batch_no", "pmids", "body", "sha256", "fetched_at")
RUN_STATS = ("requests", "searched", "fetched")
RUN_COUNTS = (  # LoadCounts' fields but its timing
    "inserted",
    "updated",
    "unchanged",
    "stale",
    "deleted",
    "quarantined",
    "retracted_flagged",
)
COUNTABLE = frozenset(
    {
        "articles",
        "query_matches",
        "runs",
        "quarantine",
        "watermark",
        "label_corrections",
        "model_versions",
        "claims",
        "claim_events",
        "claim_support",
        "claim_alerts",
        "raw.efetch_batches",
        "raw.pubmed_files",
        "marts.articles_current",
        "marts.runs_recent",
        "marts.topic_counts_by_year",
        "marts.quarantine_recent",
    }
)
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_GZIP_MAGIC = b"\x1f\x8b"
_log = logging.getLogger(__name__)
_ALL_FIELDS = attrgetter(*ARTICLE_COLUMNS)
_SECTIONS = ARTICLE_COLUMNS.index("abstract_sections")
_CONFIDENCE = ARTICLE_COLUMNS.index("confidence")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC; a naive input is taken to be UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a failed COMMIT has already ended the transaction, which is fine too."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify_snapshot(path: Path) -> None:
    """Open the copy before publishing it, so a broken copy is never swapped in."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SELECT count(*) FROM articles").fetchall()


def snapshot_path(db_path: Path | str) -> Path:
    """Where the read-only snapshot of a warehouse file is published by default."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.snapshot.duckdb")


def read_sql(kind: str, name: str) -> str:
    """The text of a named statement under sql/<kind>/."""
    return (SQL_DIR / kind / f"{name}.sql").read_text(encoding="utf-8")


class WarehouseBase:
    """One connection to a warehouse file, and what every part of the warehouse builds on."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Self:
        """Open a warehouse file; read-write creates it and applies the schema."""
        path = Path(path)
        if read_only:
            return cls(duckdb.connect(str(path), read_only=True), path, True)
        path.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"storage_compatibility_version": STORAGE_VERSION}
        wh = cls(duckdb.connect(str(path), config=config), path, False)
        try:
            try:
                wh._apply_schema()
            except duckdb.Error:
                wh._check_articles_columns()  # a file from another layout: say so plainly
                raise
            wh._check_articles_columns()
        except BaseException:
            wh.close()
            raise
        return wh

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _apply_schema(self) -> None:
        """Create what is missing and refresh the views, all or nothing."""
        with self._transaction():
            for layer in SCHEMA_LAYERS:
                for file in sorted((SQL_DIR / layer).glob("*.sql")):
                    self._con.execute(file.read_text(encoding="utf-8"))

    def _check_articles_columns(self) -> None:
        """Refuse a file whose `articles` differs from the Article record after migration.

        CREATE TABLE IF NOT EXISTS leaves an old table as it was; the schema's
        ``raw/21_articles_added_columns.sql`` adds the fields the record gained since. A file
        that still differs would otherwise surface as an obscure error in a night's load.
        Loads and reads go by column name, so an added column's position does not matter.
        """
        found = tuple(self.columns("articles"))
        if set(found) != set(ARTICLE_COLUMNS + BOOKKEEPING_COLUMNS):
            missing = sorted(set(ARTICLE_COLUMNS + BOOKKEEPING_COLUMNS) - set(found))
            raise RuntimeError(
                f"{self.path}: `articles` does not match the Article record (missing {missing},"
                f" found {list(found)}); migrate the file or reload it into a new one"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT; on any exception ROLLBACK and re-raise."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
            self._con.execute("COMMIT")
        except BaseException:
            _rollback(self._con)
            raise

    def _run(self, kind: str, name: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        return self._con.execute(read_sql(kind, name), params or {}).fetchall()

    def _append(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-insert rows through DuckDB's appender: no SQL, no per-row round trip.

        Binding megabytes of BLOB as a list parameter costs ~8 s per 80 MB; the appender ~1 s.
        """
        if rows:
            with self._con.appender(table, columns=list(columns)) as appender:
                appender.append_rows(rows)

    def query(
        self, sql_name_or_text: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one read-only SELECT: a name under sql/read/ or the statement itself."""
        sql = sql_name_or_text
        if _NAME.fullmatch(sql) and (SQL_DIR / "read" / f"{sql}.sql").is_file():
            sql = read_sql("read", sql)
        statements = self._con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise ValueError("query() runs exactly one SELECT statement")
        return self._con.execute(sql, params).fetchall()

    def columns(self, relation: str) -> list[str]:
        """The columns of a warehouse relation (`articles`, `staging.article_records`…)."""
        schema, _, table = relation.rpartition(".")
        rows = self._run("read", "table_columns", {"schema": schema or "main", "table": table})
        return [name for (name,) in rows]

    def count(self, table: str) -> int:
        """Rows in one of the warehouse's relations (names from COUNTABLE only)."""
        if table not in COUNTABLE:
            raise ValueError(f"unknown relation {table!r}")
        ((n,),) = self._con.table(table).count("*").fetchall()
        return int(n)

    def _dicts(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = self._con.execute(sql, params or {})
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def _many(self, kind: str, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._con.executemany(read_sql(kind, name), [dict(r) for r in rows])

    def publish_snapshot(self, target: Path | str | None = None) -> Path:
        """Copy the warehouse to a read-only snapshot file and swap it in atomically.

        Dashboards open the snapshot, never the live file, so they never hold the lock the
        nightly writer needs; a reader already open keeps its old snapshot until it reopens.
        """
        if self.read_only:
            raise PermissionError("a read-only warehouse cannot publish a snapshot")
        target = snapshot_path(self.path) if target is None else Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        self._con.execute("CHECKPOINT")  # keep the live file compact and its WAL empty
        try:
            self._copy_database(tmp)
            build_search_index(tmp, STORAGE_VERSION)  # the text search's, fresh each time
            _fsync(tmp)
            _verify_snapshot(tmp)
            os.replace(tmp, target)
            _fsync(target.parent)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(f"{tmp.name}.wal").unlink(missing_ok=True)
        return target

    def _copy_database(self, tmp: Path) -> None:
        """Copy through DuckDB itself, never by opening the live file from Python.

        DuckDB holds a POSIX (fcntl) lock on the file, and closing *any* descriptor of it in
        this process drops that lock: a shutil.copy would silently let a second writer in.
        """
        ((name,),) = self._run("read", "current_database")
        params = {"path": str(tmp), "storage_version": STORAGE_VERSION}
        self._run("write", "attach_snapshot", params)
        try:
            # Identifiers cannot be bound; this one is DuckDB's own name for the live file.
            self._con.execute(f"COPY FROM DATABASE {_quote_identifier(name)} TO snapshot_copy")
        finally:
            self._con.execute("DETACH snapshot_copy")

    @classmethod
    def open_when_free(
        cls, path: Path | str, *, read_only: bool = False, wait_seconds: float = 0.0
    ) -> Self | None:
        """Open, waiting up to wait_seconds for another process's lock; None if it stays held.

        DuckDB refuses a held lock at once; callers that share a file with another process
        (the nightly job, the dashboard) wait briefly or skip instead of failing.
        """
        return cls._when_free(lambda: cls.open(path, read_only=read_only), wait_seconds)

    @classmethod
    def open_corrections(cls, path: Path | str, *, wait_seconds: float = 5.0) -> Self | None:
        """Open (creating) a dashboard corrections file, or None if it stays locked.

        Always read-write: within one process DuckDB refuses a read-only connection to a
        file that a read-write one holds, and the dashboard both reads and appends.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"storage_compatibility_version": STORAGE_VERSION}
        con = cls._when_free(lambda: duckdb.connect(str(path), config=config), wait_seconds)
        if con is None:
            return None
        wh = cls(con, path, False)
        try:
            wh._run("raw", "70_label_corrections")
            wh._run("raw", "90_claim_events")
            wh._run("write", "inbox_schema")
        except BaseException:
            wh.close()
            raise
        return wh

    @staticmethod
    def _when_free(connect: Any, wait_seconds: float) -> Any:
        """Call connect() until no other process holds the file's lock; None past the wait."""
        deadline = time.monotonic() + wait_seconds
        delay = 0.02
        while True:
            try:
                return connect()
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)

    def query_frame(self, name: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run a named SELECT under sql/read/ and return a pandas DataFrame."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a statement name: {name!r}")
        sql = read_sql("read", name)
        statements = self._con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise ValueError("query_frame() runs exactly one SELECT statement")
        return self._con.execute(sql, dict(params or {})).df()
