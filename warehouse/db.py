"""The only module that talks to DuckDB: schema, the nightly load, reads and snapshots.

SQL lives in ``sql/``: ``raw``, ``staging`` and ``marts`` hold one relation per file, applied
in that order on every read-write open (idempotent); ``write`` and ``read`` hold the named
statements this module runs. Values are always bound, never formatted into SQL.

One writer at a time: DuckDB lets a file have one read-write process or many readers, never
both, so dashboards read the snapshot that ``publish_snapshot`` swaps in after each load.
A ``Warehouse`` holds one connection and is not meant to be shared between threads.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, Self

import duckdb

from core.article import LABEL_FIELDS, AbstractSection, Article, Quarantined, designs_at_or_above
from core.claim import Alert, Claim, ClaimEvent, ClaimResults, Evidence, SupportSummary, WatchState

SQL_DIR = Path(__file__).resolve().parent / "sql"
SCHEMA_LAYERS = ("raw", "staging", "marts")
# Storage format 64 (DuckDB 1.0): DuckDB 1.0 and later all read the file and its snapshot;
# 2.x's default ('latest', 999) is unreadable to the 1.4 line that other tools still pin.
STORAGE_VERSION = "v1.0.0"
FEED = "pubmed"
QUARANTINE_SOURCE = "efetch"
GZIP_LEVEL = 3  # as the spool: ~90 MB/s at ratio 4.9 on PubMed XML (level 6: ~40 MB/s, 5.6)

ARTICLE_COLUMNS = tuple(f.name for f in fields(Article))
RELABEL_COLUMNS = ("pmid", *LABEL_FIELDS, "key_finding", "confidence", "model_version")
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


@dataclass(frozen=True, slots=True)
class RawBatch:
    """One efetch response as received, with the PMIDs it was asked for."""

    batch_no: int
    pmids: Sequence[str]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, kw_only=True)
class RunLoad:
    """Everything one run loads, in one transaction."""

    articles: Sequence[Article] = ()
    deletions: Sequence[str] = ()
    quarantined: Sequence[Quarantined] = ()
    batches: Sequence[RawBatch] = ()
    matches: Mapping[str, Sequence[str]] = field(default_factory=dict)  # topic -> PMIDs
    window_end: date
    stats: Mapping[str, int] = field(default_factory=dict)  # keys from RUN_STATS
    # The bulk route covers NLM files, not a date window: it moves no watermark (feed=None),
    # names its quarantine source, and records which files it applied.
    feed: str | None = FEED
    source: str = QUARANTINE_SOURCE
    files: Sequence[PubmedFile] = ()


@dataclass(frozen=True, slots=True)
class PubmedFile:
    """One NLM baseline or update file a bulk load applied, identified by its content."""

    name: str
    sha256: str
    records: int  # citations in the file, before the topic filter
    kept: int  # those matching a topic query
    deletions: int
    quarantined: int


@dataclass(frozen=True, slots=True)
class LoadCounts:
    """What a load did, as recorded on its run row."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # older revisions than the stored ones, not loaded
    deleted: int = 0
    quarantined: int = 0
    retracted_flagged: int = 0
    seconds: float = 0.0  # from load_run's call up to its COMMIT


def snapshot_path(db_path: Path | str) -> Path:
    """Where the read-only snapshot of a warehouse file is published by default."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.snapshot.duckdb")


def read_sql(kind: str, name: str) -> str:
    """The text of a named statement under sql/<kind>/."""
    return (SQL_DIR / kind / f"{name}.sql").read_text(encoding="utf-8")


class Warehouse:
    """A DuckDB warehouse file: schema, loads and reads."""

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
            wh._check_articles_columns()
            wh._apply_schema()
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
        """Refuse a file whose `articles` differs from the Article record: it needs migrating.

        CREATE TABLE IF NOT EXISTS leaves an old table as it was, so a new Article field
        would otherwise surface as an obscure appender error in the middle of a night's load.
        """
        found = tuple(self.columns("articles"))
        if found and found != ARTICLE_COLUMNS + BOOKKEEPING_COLUMNS:
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

    # --- runs -------------------------------------------------------------------------------

    def watermark(self, name: str = FEED) -> date | None:
        """The end of the last window loaded successfully, or None before the first load."""
        rows = self._run("read", "watermark", {"name": name})
        return rows[0][0] if rows else None

    def start_run(self, *, window_start: date, window_end: date, flow_run_id: str | None) -> str:
        """Record a run as running and return its id."""
        run_id = uuid.uuid4().hex
        params = {
            "run_id": run_id,
            "flow_run_id": flow_run_id,
            "window_start": window_start,
            "window_end": window_end,
            "now": _utcnow(),
        }
        self._run("write", "start_run", params)
        return run_id

    def fail_run(self, run_id: str, error: str, stats: Mapping[str, int] | None = None) -> None:
        """Mark a run failed; the data and watermark stay as the last completed load left them."""
        keys = (*RUN_STATS, *RUN_COUNTS)
        params = {**dict.fromkeys(keys), **_checked_stats(stats or {}, keys)}
        params.update(run_id=run_id, error=error, now=_utcnow())
        if not self._run("write", "fail_run", params):
            raise LookupError(f"no run {run_id!r} to mark failed")

    def runs(self) -> list[dict[str, Any]]:
        """Every run row, oldest first."""
        return self._dicts(read_sql("read", "runs"))

    # --- the load ---------------------------------------------------------------------------

    def load_run(self, run_id: str, load: RunLoad) -> LoadCounts:
        """Load one run's records, notices, failures and raw bodies in one transaction.

        A failure anywhere rolls everything back, so the warehouse stays exactly as the last
        completed load left it; the caller then records the failure with ``fail_run``.
        """
        started = time.perf_counter()
        self._require_open_run(run_id)
        staged = _Staged.of(load)  # Python-side work happens before the transaction opens
        self._step(run_id, f"staged {len(staged.rows)} records")
        now = _utcnow()
        with self._transaction():
            self._step(run_id, "transaction begun")
            plan, own_flags = self._merge_articles(run_id, staged.rows, now)
            retired = self._run("write", "retire_deleted", _retire_params(run_id, staged, now))
            flagged = own_flags | self._flag_notices(run_id, now)
            self._insert_provenance(run_id, staged, now)
            counts = LoadCounts(
                **plan,
                deleted=len(retired),
                quarantined=len(staged.quarantine),
                retracted_flagged=len(flagged),
                seconds=round(time.perf_counter() - started, 3),
            )
            self._complete(run_id, load, counts, now)
            self._con.execute(read_sql("write", "drop_staging"))
            self._step(run_id, "committing")
        _log.info("load %s: %s", run_id, counts)
        return counts

    def _require_open_run(self, run_id: str) -> None:
        rows = self._run("read", "run_status", {"run_id": run_id})
        if not rows or rows[0][0] == "completed":
            state = rows[0][0] if rows else "unknown"
            raise LookupError(f"run {run_id!r} cannot be loaded: it is {state}")

    def _step(self, run_id: str, step: str) -> None:
        _log.debug("load %s: %s", run_id, step)

    def _merge_articles(
        self, run_id: str, rows: list[list[Any]], now: datetime
    ) -> tuple[dict[str, int], set[str]]:
        """Stage the records in bulk, plan the merge in SQL, then write it."""
        self._run("write", "stage_articles")
        self._append("stage_articles", ARTICLE_COLUMNS, rows)
        self._run("write", "plan_articles")
        inserted, updated, unchanged, stale, flagged = self._run("write", "count_plan")[0]
        self._run("write", "delete_replaced")
        self._run("write", "write_articles", {"run_id": run_id, "now": now})
        self._run("write", "touch_unchanged", {"run_id": run_id})
        self._step(run_id, "articles merged")
        plan = {"inserted": inserted, "updated": updated, "unchanged": unchanged, "stale": stale}
        return plan, set(flagged)

    def _flag_notices(self, run_id: str, now: datetime) -> set[str]:
        """Flag the articles named by retraction and concern notices; return their PMIDs."""
        params = {"run_id": run_id, "now": now}
        retracted = self._run("write", "flag_retractions", params)
        concerned = self._run("write", "flag_concerns", params)
        return {pmid for (pmid,) in retracted + concerned}

    def _insert_provenance(self, run_id: str, staged: _Staged, now: datetime) -> None:
        """Quarantined records, raw efetch bodies and topic matches."""
        quarantine = [(run_id, *q, now, staged.source) for q in staged.quarantine]
        self._append("quarantine", QUARANTINE_COLUMNS, quarantine)
        batches = [(run_id, *b) for b in staged.batches]
        self._append("raw.efetch_batches", BATCH_COLUMNS, batches)
        for file in staged.files:
            self._run("write", "upsert_pubmed_file", {**file, "run_id": run_id, "now": now})
        self._run("write", "upsert_matches", {"run_id": run_id, **staged.matches})
        self._step(run_id, "provenance inserted")

    def _append(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-insert rows through DuckDB's appender: no SQL, no per-row round trip.

        Binding megabytes of BLOB as a list parameter costs ~8 s per 80 MB; the appender ~1 s.
        """
        if rows:
            with self._con.appender(table, columns=list(columns)) as appender:
                appender.append_rows(rows)

    def _complete(self, run_id: str, load: RunLoad, counts: LoadCounts, now: datetime) -> None:
        """Move the watermark and close the run row, inside the load's transaction."""
        if load.feed is not None:
            marks = {"name": load.feed, "until": load.window_end, "run_id": run_id, "now": now}
            self._run("write", "set_watermark", marks)
        params = {f.name: getattr(counts, f.name) for f in fields(counts)}
        params["load_seconds"] = params.pop("seconds")
        params.update(dict.fromkeys(RUN_STATS), **_checked_stats(load.stats, RUN_STATS))
        params.update(run_id=run_id, now=now)
        if not self._run("write", "complete_run", params):
            raise LookupError(f"run {run_id!r} vanished during its load")

    # --- reads ------------------------------------------------------------------------------

    def articles(self, pmids: Sequence[str] | None = None) -> list[Article]:
        """Stored records as Article objects (retired ones included), in PMID order."""
        params = {"pmids": None if pmids is None else list(pmids)}
        cur = self._con.execute(read_sql("read", "articles"), params)
        names = [d[0] for d in cur.description]
        return [_article_from_row(names, row) for row in cur.fetchall()]

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

    # --- training -----------------------------------------------------------------------------

    def training_corrections(self) -> list[tuple[str, str, Any]]:
        """(pmid, field, value) of every label a reviewer set, the latest per field."""
        rows = self._run("read", "training_corrections")
        return [(pmid, name, json.loads(value)) for pmid, name, value in rows]

    def record_model_version(
        self, version: str, trained_at: datetime, report: Mapping[str, Any]
    ) -> None:
        """Store a trained version and its report (metrics, confusion matrices, calibration)."""
        params = {"version": version, "trained_at": trained_at, "report": json.dumps(report)}
        with self._transaction():
            self._run("write", "record_model_version", params)

    def model_version_report(self, version: str) -> dict[str, Any] | None:
        """The stored report of one trained version, or None if it was never recorded."""
        rows = self._run("read", "model_version_report", {"version": version})
        if not rows:
            return None
        _, trained_at, report = rows[0]
        return {"version": version, "trained_at": trained_at, "report": json.loads(report)}

    def stale_label_pmids(self, version: str) -> list[str]:
        """Live records labelled by another model version than ``version``."""
        return [pmid for (pmid,) in self._run("read", "stale_label_pmids", {"version": version})]

    def relabel(self, articles: Sequence[Article]) -> int:
        """Store new model labels for existing records, in one transaction; return how many."""
        if not articles:
            return 0
        positions = [ARTICLE_COLUMNS.index(c) for c in RELABEL_COLUMNS]
        rows = [[row[i] for i in positions] for row in map(_article_row, articles)]
        with self._transaction():
            self._run("write", "stage_labels")
            self._append("stage_labels", RELABEL_COLUMNS, rows)
            self._run("write", "relabel_articles")
            self._run("write", "drop_stage_labels")
        return len(rows)

    # --- claims -------------------------------------------------------------------------------

    def sync_claims(self, claims: Sequence[Claim], now: datetime) -> None:
        """Make the claims table the registry's claims and evidence queries."""
        rows = [
            {
                "claim_id": c.claim_id,
                "wording": c.wording,
                "page": c.page,
                "registry_status": c.status,
                "conditions": list(c.evidence.conditions),
                "outcomes": list(c.evidence.outcomes),
                "finding": c.evidence.finding,
                "drugs": list(c.evidence.drugs),
                "routes": list(c.evidence.routes),
                "min_design": c.evidence.min_design,
                "designs": designs_at_or_above(c.evidence.min_design),
                "terms_pattern": c.evidence.terms_pattern,
                "cited_pmids": list(c.cited_pmids),
                "synced_at": now,
            }
            for c in claims
        ]
        with self._transaction():
            self._run("write", "claims_clear")
            self._many("write", "claims_insert", rows)

    def claim_events(self) -> list[ClaimEvent]:
        """Every decision on claims this file holds, in the order they apply."""
        return [
            ClaimEvent(
                event_id=r["event_id"],
                claim_id=r["claim_id"],
                action=r["action"],
                wording=r["wording"],
                cited_pmids=None if r["cited_pmids"] is None else tuple(r["cited_pmids"]),
                grade=r["grade"],
                reviewer=r["reviewer"],
                reason=r["reason"],
                decided_at=r["decided_at"],
            )
            for r in self._dicts(read_sql("read", "claim_events"))
        ]

    def add_claim_events(self, events: Sequence[ClaimEvent]) -> int:
        """Store decisions (each needs its event_id); ones already held are skipped."""
        before = {e.event_id for e in self.claim_events()}
        rows = [
            {
                "event_id": e.event_id,
                "claim_id": e.claim_id,
                "action": e.action,
                "wording": e.wording,
                "cited_pmids": None if e.cited_pmids is None else list(e.cited_pmids),
                "grade": e.grade,
                "reviewer": e.reviewer,
                "reason": e.reason,
                "decided_at": e.decided_at,
            }
            for e in events
            if e.event_id not in before
        ]
        if rows:
            with self._transaction():
                self._many("write", "claim_event_insert", rows)
        return len(rows)

    def claim_evidence(self) -> dict[str, list[Evidence]]:
        """The studies matching each claim's evidence query, by claim."""
        out: dict[str, list[Evidence]] = {}
        for r in self._dicts(read_sql("read", "claim_evidence")):
            claim_id = r.pop("claim_id")
            out.setdefault(claim_id, []).append(Evidence(**r))
        return out

    def claim_watch_states(self) -> dict[str, WatchState]:
        """What the last watch saw of each claim."""
        return {
            claim_id: WatchState(frozenset(seen), support)
            for claim_id, seen, support in self._run("read", "claim_watch")
        }

    def store_claim_results(self, run_id: str | None, now: datetime, results: ClaimResults) -> int:
        """Replace the claims' support, record history and watch state, add new alerts.

        One transaction: the marts never show half a refresh. Returns the alerts stored.
        """
        with self._transaction():
            self._run("write", "claim_support_clear")
            self._many(
                "write",
                "claim_support_insert",
                [
                    _support_row(run_id, now, c, results.summaries[c.claim_id])
                    for c in results.claims
                ],
            )
            if run_id is not None:
                self._many(
                    "write",
                    "claim_history_insert",
                    [
                        {
                            "run_id": run_id,
                            "claim_id": c.claim_id,
                            "computed_at": now,
                            "support": results.summaries[c.claim_id].support,
                            "studies": len(results.evidence.get(c.claim_id, ())),
                        }
                        for c in results.claims
                    ],
                )
            self._many(
                "write",
                "claim_watch_upsert",
                [
                    {
                        "claim_id": c.claim_id,
                        "seen": sorted(e.pmid for e in results.evidence.get(c.claim_id, ())),
                        "support": results.summaries[c.claim_id].support,
                        "watched_at": now,
                    }
                    for c in results.claims
                ],
            )
            before = self._run("read", "claim_alert_count")[0][0]
            self._many(
                "write",
                "claim_alert_insert",
                [
                    {
                        "alert_id": a.alert_id,
                        "claim_id": a.claim_id,
                        "kind": a.kind,
                        "pmid": a.pmid,
                        "detail": a.detail,
                        "run_id": run_id,
                        "created_at": a.created_at,
                    }
                    for a in results.alerts
                ],
            )
            after = self._run("read", "claim_alert_count")[0][0]
        return int(after - before)

    def unsent_alerts(self) -> list[Alert]:
        """Alerts not yet delivered through the channel."""
        return [Alert(**r) for r in self._dicts(read_sql("read", "claim_alerts_unsent"))]

    def mark_alerts(
        self, alert_ids: Sequence[str], sent_at: datetime | None, error: str | None = None
    ) -> None:
        """Record a delivery: sent (sent_at) or failed with its error, to retry next run."""
        rows = [{"alert_id": a, "sent_at": sent_at, "send_error": error} for a in alert_ids]
        if rows:
            with self._transaction():
                self._many("write", "claim_alert_sent", rows)

    def acknowledge_alerts(self, acks: Sequence[Mapping[str, Any]]) -> None:
        """Apply acknowledgements (alert_id, reviewer, note, acknowledged_at); the first stands."""
        if acks:
            with self._transaction():
                self._many("write", "claim_alert_ack", [dict(a) for a in acks])

    def append_alert_ack(self, ack: Mapping[str, Any]) -> None:
        """Record an acknowledgement in a dashboard file."""
        self._run("write", "alert_ack_append", ack)

    def alert_acks(self) -> list[dict[str, Any]]:
        """Every acknowledgement a dashboard file holds."""
        return self._dicts(read_sql("read", "alert_acks"))

    def claim_overview(self) -> list[dict[str, Any]]:
        """Every claim's status, support and citations as the last refresh left them.

        Empty for a file written before claims existed (read-only opens add no views).
        """
        if not self.columns("marts.claim_overview"):
            return []
        rows = self._dicts(read_sql("read", "claim_overview"))
        for row in rows:
            row["counts_by_design"] = json.loads(row["counts_by_design"])
            row["findings"] = json.loads(row["findings"])
        return rows

    def _many(self, kind: str, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._con.executemany(read_sql(kind, name), [dict(r) for r in rows])

    # --- snapshots --------------------------------------------------------------------------

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

    # --- dashboards: snapshot reads and the reviewers' corrections file ----------------------
    # The dashboard reads the published snapshot, one short read-only connection per load,
    # and keeps reviewers' corrections in a small DuckDB file of its own (it is that file's
    # only writer) until they are merged into `label_corrections` here, by correction_id.

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
            wh._run("write", "correction_schema")
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

    def query_frame(self, name: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run a named SELECT under sql/read/ and return a pandas DataFrame."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a statement name: {name!r}")
        sql = read_sql("read", name)
        statements = self._con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise ValueError("query_frame() runs exactly one SELECT statement")
        return self._con.execute(sql, dict(params or {})).df()

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


@dataclass(frozen=True)
class _Staged:
    """A RunLoad turned into bindable values, ready before the transaction begins."""

    rows: list[list[Any]]
    deletions: list[str]
    quarantine: list[tuple[str | None, str, bytes]]  # pmid, reason, raw
    batches: list[tuple[int, list[str], bytes, str, datetime]]  # BATCH_COLUMNS but run_id
    matches: dict[str, list[str]]
    source: str
    files: list[dict[str, Any]]

    @classmethod
    def of(cls, load: RunLoad) -> _Staged:
        articles = _dedupe(load.articles)
        _checked_stats(load.stats, RUN_STATS)
        deletions = [*load.deletions, *(a.pmid for a in articles if a.deleted)]
        pairs = sorted({(p, t) for t, pmids in load.matches.items() for p in pmids})
        return cls(
            rows=[_article_row(a) for a in articles],
            deletions=list(dict.fromkeys(deletions)),
            quarantine=[(q.pmid, q.reason, bytes(q.raw)) for q in load.quarantined],
            batches=_batch_rows(load.batches),
            matches={"pmids": [p for p, _ in pairs], "topics": [t for _, t in pairs]},
            source=load.source,
            files=[{f.name: getattr(file, f.name) for f in fields(file)} for file in load.files],
        )


def _dedupe(articles: Sequence[Article]) -> list[Article]:
    """One record per PMID, by the load's own rule: a later one wins unless it is older.

    A batch holding the same PMID twice is folded as two successive loads would be, so a
    duplicate never fails the run and never makes the result depend on how it was batched.
    """
    kept: dict[str, Article] = {}
    for article in articles:
        held = kept.get(article.pmid)
        if held is None or not _is_older(article, held):
            kept[article.pmid] = article
    return list(kept.values())


def _is_older(article: Article, than: Article) -> bool:
    new, old = article.revised_date, than.revised_date
    return new is not None and old is not None and new < old


def _retire_params(run_id: str, staged: _Staged, now: datetime) -> dict[str, Any]:
    return {"run_id": run_id, "pmids": staged.deletions, "now": now}


def _batch_rows(batches: Sequence[RawBatch]) -> list[tuple[int, list[str], bytes, str, datetime]]:
    """Compress each body as received (unless it came gzipped) and hash the plain bytes."""
    with ThreadPoolExecutor() as pool:  # zlib and hashlib release the GIL
        packed = list(pool.map(_pack, [b.body for b in batches]))
    return [
        (b.batch_no, list(b.pmids), body, digest, _naive_utc(b.fetched_at))
        for b, (body, digest) in zip(batches, packed, strict=True)
    ]


def _pack(body: bytes) -> tuple[bytes, str]:
    """The gzip bytes to store and the sha256 of the plain body."""
    if body[:2] == _GZIP_MAGIC:
        return body, hashlib.sha256(gzip.decompress(body)).hexdigest()
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), hashlib.sha256(body).hexdigest()


def _checked_stats(stats: Mapping[str, int], allowed: Sequence[str]) -> dict[str, int]:
    unknown = set(stats) - set(allowed)
    if unknown:
        raise ValueError(f"unknown run statistics {sorted(unknown)}; expected {list(allowed)}")
    return {k: int(v) for k, v in stats.items()}


# --- Article <-> row ------------------------------------------------------------------------


_ALL_FIELDS = attrgetter(*ARTICLE_COLUMNS)
_SECTIONS = ARTICLE_COLUMNS.index("abstract_sections")
_CONFIDENCE = ARTICLE_COLUMNS.index("confidence")


def _article_row(article: Article) -> list[Any]:
    """An Article as the appender takes it: tuples pass as lists, structs go as dicts.

    Fetching all fields with one attrgetter and converting only the two struct lists makes
    this ~5x faster than converting field by field (20k records: ~0.3 s).
    """
    row = list(_ALL_FIELDS(article))
    row[_SECTIONS] = [
        {"label": s.label, "category": s.category, "text": s.text}
        for s in article.abstract_sections
    ]
    row[_CONFIDENCE] = [{"field": k, "value": float(v)} for k, v in article.confidence]
    return row


def _article_from_row(names: Sequence[str], row: Sequence[Any]) -> Article:
    """The inverse of _article_row, so a record reads back equal to what was loaded."""
    values = dict(zip(names, row, strict=True))
    values["abstract_sections"] = tuple(AbstractSection(**s) for s in values["abstract_sections"])
    values["confidence"] = tuple((c["field"], c["value"]) for c in values["confidence"])
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = tuple(value)
    return Article(**values)


# --- small things ---------------------------------------------------------------------------


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


def _support_row(
    run_id: str | None, now: datetime, claim: Claim, summary: SupportSummary
) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "run_id": run_id,
        "computed_at": now,
        "status": claim.status,
        "wording": claim.wording,
        "page": claim.page,
        "cited_pmids": list(claim.cited_pmids),
        "grade": claim.grade,
        "support": summary.support,
        "cebm_level": summary.cebm_level,
        "counts_by_design": json.dumps(summary.counts_by_design),
        "findings": json.dumps(summary.findings),
        "participants": summary.participants,
        "strongest": list(summary.strongest),
        "newest": list(summary.newest),
        "recommended": list(summary.recommended),
        "retracted": list(summary.retracted),
    }
