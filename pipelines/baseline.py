"""The bulk route: NLM's baseline and daily update files, filtered to the topics locally.

NLM asks large pulls to use its files rather than E-utilities. Each file is one Dask task that
parses, filters (``pubmed_query`` over the topic queries) and classifies its records, and
spools what it keeps to a small gzip JSONL file; the flow then folds the files in order (later
revisions replace earlier ones, ``DeleteCitation`` retires) and loads them in one transaction.
Prefect only orchestrates here; the work is in the plain functions below.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

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

from core.settings import Settings
from labels.shipped import classify_articles
from pubmed.nlm_files import (
    SOURCE,
    FileResult,
    file_failure,
    file_mtime,
    filter_file,
    fold_files,
    list_pubmed_files,
    read_spool,
)
from pubmed.topics import load_topics
from pubmed.window import HISTORY_START
from warehouse.db import PubmedFile, RawBatch, RunLoad, Warehouse


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
    return filter_file(Path(path), queries, Path(spool_dir), classify=classify_articles, skip=skip)


@task(cache_policy=NONE)
def load_files(settings: Settings, run_id: str, results: Sequence[FileResult]) -> dict[str, Any]:
    """Fold the spooled files in order and load them in one warehouse transaction."""
    done = [r for r in results if r.spool is not None]
    spooled = [read_spool(Path(r.spool)) for r in done if r.spool]
    folded = fold_files(spooled)
    batches = [
        RawBatch(n, tuple(f.raw), f.raw_set(), file_mtime(Path(r.path)))
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
