"""The bulk route: NLM's baseline and daily update files, filtered to the topics locally.

NLM asks large pulls to use its files rather than E-utilities. Each file is one Dask task that
parses, filters (``pubmed_query`` over the topic queries) and classifies its records, and
spools what it keeps to a small gzip JSONL file; the flow then folds the files in order (later
revisions replace earlier ones, ``DeleteCitation`` retires) and loads them in one transaction.
Prefect only orchestrates here; the work is in the plain functions below.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)
from prefect.task_runners import TaskRunner
from prefect_dask import DaskTaskRunner

from core.article import Article, Deletion, Quarantined, article_from_json
from core.settings import Settings
from pubmed.files import open_xml
from pubmed.parser import PubmedXMLError, parse_deletions, parse_record, split_records
from pubmed.query import SearchDocument, compile_query
from pubmed.topics import load_topics
from pubmed.window import HISTORY_START
from warehouse.db import PubmedFile, RawBatch, RunLoad, Warehouse

SOURCE = "pubmed-files"  # the quarantine's source for records from NLM files
XML_SUFFIXES = (".xml", ".xml.gz")
RAW_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'
CLASSIFY_CHUNK = 2000


@dataclass(frozen=True)
class FileResult:
    """What a worker hands back for one file: counts and where its kept records wait."""

    path: str
    sha256: str
    spool: str | None  # None when the file was already loaded and so skipped
    records: int = 0
    kept: int = 0
    deletions: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    error: str | None = None  # the whole file was unreadable; nothing of it is applied

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class FileRecords:
    """One file's spooled output, read back in the flow process."""

    articles: list[tuple[Article, tuple[str, ...]]] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    raw: dict[str, bytes] = field(default_factory=dict)  # kept records' XML, as in the file

    def raw_set(self) -> bytes:
        """The kept records as one PubmedArticleSet, for raw.efetch_batches."""
        return RAW_PROLOG + b"\n".join(self.raw.values()) + b"\n</PubmedArticleSet>\n"


@dataclass
class Folded:
    """The files applied in order: what one load writes."""

    articles: list[Article]
    deletions: list[str]
    quarantined: list[Quarantined]
    matches: dict[str, list[str]]


def list_pubmed_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand folders to their XML files by name (NLM's numbering is the order to apply).

    Files named on the command line keep the order they were given in.
    """
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [p for p in path.iterdir() if p.name.endswith(XML_SUFFIXES) and p.is_file()]
            out.extend(sorted(found, key=lambda p: p.name))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return list(dict.fromkeys(out))


def file_sha256(path: Path) -> str:
    """The file's identity: NLM never changes a published file, so content names it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def filter_file(
    path: Path,
    queries: Mapping[str, str],
    spool_dir: Path,
    *,
    skip: frozenset[str] = frozenset(),
    model_path: Path | None = None,
) -> FileResult:
    """Parse one file, keep the records a topic query matches, classify them and spool them.

    A file whose content is in ``skip`` was loaded before and is not parsed again; a spool
    left by an earlier, interrupted run over the same file and queries is reused.
    """
    started = time.perf_counter()
    sha = file_sha256(path)
    if sha in skip:
        return FileResult(path=str(path), sha256=sha, spool=None)
    spool = spool_dir / f"{sha[:24]}.jsonl.gz"  # spool_dir is per set of topic queries
    if not spool.exists():
        try:
            counts = _scan_to_spool(path, queries, spool, model_path)
        except (PubmedXMLError, OSError, EOFError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            return FileResult(path=str(path), sha256=sha, spool=None, error=error)
    else:
        counts = _spool_counts(spool)
    seconds = round(time.perf_counter() - started, 3)
    return FileResult(
        path=str(path),
        sha256=sha,
        spool=str(spool),
        records=counts["records"],
        kept=counts["kept"],
        deletions=counts["deletions"],
        quarantined=counts["quarantined"],
        seconds=seconds,
    )


def _scan_to_spool(
    path: Path, queries: Mapping[str, str], spool: Path, model_path: Path | None
) -> dict[str, int]:
    """Write the file's kept records, deletions and failures; atomically, as the spool does."""
    from labels.shipped import classify_articles

    compiled = {topic: compile_query(term) for topic, term in queries.items()}
    counts = {"records": 0, "kept": 0, "deletions": 0, "quarantined": 0}
    kept: list[Article] = []
    topics: dict[str, tuple[str, ...]] = {}
    lines: list[dict[str, Any]] = []
    raw: dict[str, bytes] = {}
    with open_xml(path) as stream:
        for chunk, record in _records_with_bytes(stream):
            if isinstance(record, Article):
                counts["records"] += 1
                document = SearchDocument.from_article(record)
                matched = tuple(t for t, q in compiled.items() if q.matches(document))
                if matched:
                    kept.append(record)
                    topics[record.pmid], raw[record.pmid] = matched, chunk
            elif isinstance(record, Deletion):
                counts["deletions"] += 1
                lines.append({"kind": "deletion", "pmid": record.pmid})
            else:
                counts["quarantined"] += 1
                lines.append(_quarantine_line(record))
    counts["kept"] = len(kept)
    for start in range(0, len(kept), CLASSIFY_CHUNK):
        part = kept[start : start + CLASSIFY_CHUNK]
        labelled = classify_articles(part, model_path) if model_path else classify_articles(part)
        for article in labelled:
            line = {"kind": "article", "topics": topics[article.pmid], **article.to_json()}
            line["raw"] = base64.b64encode(raw[article.pmid]).decode("ascii")
            lines.append(line)
    spool.parent.mkdir(parents=True, exist_ok=True)
    tmp = spool.with_name(f".{spool.name}.{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as out:
        out.write(json.dumps({"kind": "counts", **counts}) + "\n")
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    os.replace(tmp, spool)
    return counts


def _records_with_bytes(
    stream: BinaryIO,
) -> Iterator[tuple[bytes, Article | Deletion | Quarantined]]:
    """iter_records, keeping each record's bytes so the kept ones are stored as received."""
    for chunk in split_records(stream):
        if chunk.startswith(b"<DeleteCitation"):
            for notice in parse_deletions(chunk):
                yield chunk, notice
        else:
            yield chunk, parse_record(chunk)


def _quarantine_line(record: Quarantined) -> dict[str, Any]:
    raw = base64.b64encode(record.raw).decode("ascii")
    return {"kind": "quarantined", "pmid": record.pmid, "reason": record.reason, "raw": raw}


def _spool_counts(spool: Path) -> dict[str, int]:
    with gzip.open(spool, "rt", encoding="utf-8") as handle:
        head = json.loads(handle.readline())
    return {k: int(v) for k, v in head.items() if k != "kind"}


def read_spool(spool: Path) -> FileRecords:
    """Read a file's kept records back (articles in file order, with the topics they matched)."""
    out = FileRecords()
    with gzip.open(spool, "rt", encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            kind = data.pop("kind")
            if kind == "article":
                topics = tuple(data.pop("topics"))
                out.raw[data["pmid"]] = base64.b64decode(data.pop("raw"))
                out.articles.append((article_from_json(data), topics))
            elif kind == "deletion":
                out.deletions.append(data["pmid"])
            elif kind == "quarantined":
                raw = base64.b64decode(data["raw"])
                out.quarantined.append(Quarantined(data["reason"], data["pmid"], raw))
    return out


def fold_files(files: Iterable[FileRecords]) -> Folded:
    """Apply files in order: a later record replaces an earlier one unless it is an older
    revision, a deletion drops what came before it, and a record after a deletion revives it.
    """
    articles: dict[str, tuple[Article, tuple[str, ...]]] = {}
    deleted: dict[str, None] = {}
    quarantined: list[Quarantined] = []
    for records in files:
        for article, topics in records.articles:
            held = articles.get(article.pmid)
            if held is None or not _is_older(article, held[0]):
                articles[article.pmid] = (article, topics)
            deleted.pop(article.pmid, None)
        for pmid in records.deletions:
            articles.pop(pmid, None)
            deleted[pmid] = None
        quarantined.extend(records.quarantined)
    matches: dict[str, list[str]] = {}
    for pmid, (_, topics) in articles.items():
        for topic in topics:
            matches.setdefault(topic, []).append(pmid)
    kept = [article for article, _ in articles.values()]
    return Folded(kept, list(deleted), quarantined, matches)


def _is_older(article: Article, than: Article) -> bool:
    new, old = article.revised_date, than.revised_date
    return new is not None and old is not None and new < old


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def file_failure(result: FileResult) -> Quarantined:
    """A file that could not be read is quarantined whole: applying half of it could lose
    the deletions NLM puts at its end."""
    reason = f"{result.name}: unreadable file, none of it applied ({result.error})"
    return Quarantined(reason=reason, pmid=None, raw=b"")


def dask_runner(
    scheduler: str | None = None, workers: int | None = None, *, processes: bool = True
) -> TaskRunner[Any]:
    """A runner on an existing Dask scheduler, or a local cluster of one-thread workers.

    Parsing holds the GIL, so local parallelism comes from processes; threads
    (``processes=False``) only save each process's start-up and imports on small runs.
    """
    if scheduler:
        runner = DaskTaskRunner(address=scheduler)
    else:
        n = workers or max(1, min(4, os.cpu_count() or 1))
        kwargs = {"n_workers": n, "threads_per_worker": 1, "processes": processes}
        runner = DaskTaskRunner(cluster_kwargs={**kwargs, "dashboard_address": None})
    # Its futures are PrefectFutures; the generic parameter only differs by name.
    return cast("TaskRunner[Any]", runner)


# --- orchestration ----------------------------------------------------------------------------


@task(cache_policy=NONE)
def begin_bulk_run(settings: Settings) -> tuple[str, frozenset[str]]:
    """Record a running run and return it with the files already loaded (to skip)."""
    with Warehouse.open(settings.db_path) as wh:
        loaded = frozenset(row[0] for row in wh.query("pubmed_files"))
        today = datetime.now(UTC).date()
        run_id = wh.start_run(
            window_start=HISTORY_START, window_end=today, flow_run_id=flow_run.get_id()
        )
    return run_id, loaded


@task(cache_policy=NONE)
def filter_pubmed_file(
    path: str, queries: Mapping[str, str], spool_dir: str, skip: frozenset[str]
) -> FileResult:
    """One file on one Dask worker; returns counts and a spool path, never the records."""
    return filter_file(Path(path), queries, Path(spool_dir), skip=skip)


@task(cache_policy=NONE)
def load_files(settings: Settings, run_id: str, results: Sequence[FileResult]) -> dict[str, Any]:
    """Fold the spooled files in order and load them in one warehouse transaction."""
    done = [r for r in results if r.spool is not None]
    spooled = [read_spool(Path(r.spool)) for r in done if r.spool]
    folded = fold_files(spooled)
    batches = [
        RawBatch(n, tuple(f.raw), f.raw_set(), _mtime(Path(r.path)))
        for n, (r, f) in enumerate(zip(done, spooled, strict=True))
        if f.raw
    ]
    failures = [file_failure(r) for r in results if r.error]
    stats = {
        "requests": 0,
        "searched": sum(r.records for r in done),
        "fetched": sum(r.kept for r in done),
    }
    files = [
        PubmedFile(r.name, r.sha256, r.records, r.kept, r.deletions, r.quarantined) for r in done
    ]
    load = RunLoad(
        articles=folded.articles,
        deletions=folded.deletions,
        quarantined=[*folded.quarantined, *failures],
        batches=batches,
        matches=folded.matches,
        window_end=datetime.now(UTC).date(),
        stats=stats,
        feed=None,
        source=SOURCE,
        files=files,
    )
    with Warehouse.open(settings.db_path) as wh:
        counts = wh.load_run(run_id, load)
    return {**stats, **dataclasses.asdict(counts)}


@flow(name="baseline", task_runner=dask_runner())
def baseline_flow(
    paths: list[str], db_path: str | None = None, force: bool = False
) -> dict[str, Any]:
    """Load NLM baseline and update files into the warehouse, applied in the order given."""
    from pipelines.fetch import _query_key, publish_snapshot, record_failure

    logger = get_run_logger()
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    queries = dict(load_topics(settings.topics_file).queries)
    files = list_pubmed_files(paths)
    run_id, loaded = begin_bulk_run(settings)
    skip = frozenset() if force else loaded
    spool_dir = settings.db_path.parent / "spool" / f"baseline-{_query_key(queries)}"
    logger.info("run %s: %d files, %d loaded before", run_id, len(files), len(loaded))
    try:
        futures = [filter_pubmed_file.submit(str(p), queries, str(spool_dir), skip) for p in files]
        results = [future.result() for future in futures]
        for result in results:
            logger.info("%s: %s", result.name, _describe(result))
        summary = load_files(settings, run_id, results)
    except BaseException as exc:
        record_failure(settings, run_id, exc)
        raise
    for result in results:
        if result.spool:
            Path(result.spool).unlink(missing_ok=True)
    publish_snapshot(settings)
    summary.update(
        run_id=run_id,
        files=len(files),
        skipped=[r.name for r in results if r.spool is None and not r.error],
        unreadable={r.name: r.error for r in results if r.error},
        seconds_per_file={r.name: r.seconds for r in results if r.spool},
    )
    return summary


def _describe(result: FileResult) -> str:
    if result.error:
        return f"unreadable, skipped: {result.error}"
    if result.spool is None:
        return "loaded before, skipped"
    return (
        f"{result.records} records, {result.kept} kept, {result.deletions} deletions, "
        f"{result.quarantined} quarantined in {result.seconds:.1f} s"
    )


def run_baseline(
    paths: Sequence[Path | str],
    *,
    db_path: Path | str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    processes: bool = True,
) -> dict[str, Any]:
    """Run the bulk flow on a Dask cluster: the one at ``scheduler``, or a local one."""
    runner = dask_runner(scheduler, workers, processes=processes)
    configured = baseline_flow.with_options(task_runner=runner)
    with shared_prefect_api():
        return configured(
            paths=[str(p) for p in paths],
            db_path=str(db_path) if db_path else None,
            force=force,
        )


@contextmanager
def shared_prefect_api() -> Iterator[None]:
    """Give the Dask workers the flow's Prefect API.

    With no PREFECT_API_URL Prefect starts a temporary server per process, and each worker
    process would start its own (~10-90 s apiece); naming this process's server in the
    settings lets prefect-dask hand its address to every task it ships.
    """
    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the same one Prefect would start for the flow
    server.start(timeout=PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield
