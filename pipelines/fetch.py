"""The nightly ingestion flow: search each topic, fetch what is still missing, load in one go.

Prefect only orchestrates here; each task calls the library: ``pubmed.eutils`` (HTTP),
``pubmed.spool`` (answers on disk), ``pubmed.harvest`` (what was promised, returned, owed),
``labels.shipped`` (classification) and ``warehouse`` (DuckDB).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from core.article import Article
from core.settings import Settings
from labels.shipped import classify_articles, shipped_models
from pipelines.claims_flow import deliver_alerts, refresh_claims, republish_site
from pipelines.digests import Digester, model_key
from pubmed.eutils import EutilsClient, EutilsRetryExhausted
from pubmed.harvest import (
    Promise,
    account,
    check_target,
    fetch_into_spool,
    promise,
)
from pubmed.spool import Spool, prune_stale
from pubmed.topics import load_topics
from pubmed.window import Window, batched, plan_window
from warehouse.db import Warehouse
from warehouse.inbox import merge_inbox
from warehouse.loads import PendingPmid


@lru_cache(maxsize=8)
def client_for(settings: Settings) -> EutilsClient:
    """One client per settings per process, so every thread shares its rate limit."""
    return EutilsClient(
        settings.eutils_base_url,
        email=settings.email,
        tool=settings.tool,
        api_key=settings.api_key,
        timeout=settings.http_timeout,
        max_retries=settings.max_retries,
        backoff_base=settings.backoff_base,
        connect_retries=settings.connect_retries,
        max_response_bytes=settings.max_response_bytes,
    )


def _worth_retrying(task: object, task_run: object, state: Any) -> bool:
    """Only transient failures that used up the client's retries are worth a task retry;
    an unreachable server, a refused query or a bad setting would fail the same way again."""
    return isinstance(getattr(state, "data", None), EutilsRetryExhausted)


@dataclass(frozen=True)
class RunStart:
    """A run just recorded as running: its id, its window and what earlier runs still owe."""

    run_id: str
    window: Window
    owed: tuple[PendingPmid, ...]


@task(cache_policy=NONE)
def begin_run(settings: Settings, since: date | None, until: date | None) -> RunStart:
    """Merge reviewers' pending corrections, plan the window and record a running run."""
    if settings.db_path.exists():
        merge_inbox(settings.db_path)
    with Warehouse.open(settings.db_path) as wh:
        check_target(settings.eutils_base_url, settings.email, settings.tool, wh.demo_note())
        for run in wh.runs():
            if run["status"] == "running":  # its process died before it could say so
                wh.fail_run(run["run_id"], "abandoned: the process ended during the run")
        window = plan_window(
            watermark=wh.watermark(),
            since=since,
            until=until,
            today=datetime.now(UTC).date(),
            overlap_days=settings.overlap_days,
        )
        run_id = wh.start_run(
            window_start=window.start, window_end=window.end, flow_run_id=flow_run.get_id()
        )
        return RunStart(run_id, window, tuple(wh.pending_pmids()))


@task(retries=2, retry_delay_seconds=10, cache_policy=NONE, retry_condition_fn=_worth_retrying)
def search_topic(settings: Settings, term: str, window: Window) -> list[str]:
    """All ids the topic query matches in the window, by entry and modification date."""
    client = client_for(settings)
    ids: dict[str, None] = {}
    for datetype in window.datetypes():
        found = client.search_ids(term, datetype=datetype, start=window.start, end=window.end)
        ids.update(dict.fromkeys(found))
    return list(ids)


@task(retries=2, retry_delay_seconds=10, cache_policy=NONE, retry_condition_fn=_worth_retrying)
def fetch_batch(settings: Settings, spool: Spool, ids: list[str]) -> int:
    """Fetch one batch of still-missing PMIDs into the spool."""
    return fetch_into_spool(client_for(settings), spool, ids)


_MODELS_LOCK = threading.Lock()  # one load of the shipped models, however many ask at once


def warm_models() -> None:
    """Load the shipped models on a side thread while the run waits on the network."""

    def load() -> None:
        with _MODELS_LOCK:
            shipped_models()

    threading.Thread(target=load, name="warm-models", daemon=True).start()


def _label(articles: list[Article]) -> list[Article]:
    if articles:
        with _MODELS_LOCK:  # a warm-up still loading: wait for it instead of loading twice
            shipped_models()
    return classify_articles(articles)


@task(cache_policy=NONE)
def load_spool(
    settings: Settings, start: RunStart, spool: Spool, owed: Promise, requests: int
) -> dict[str, Any]:
    """Account for every promised PMID from the spool and load it all in one transaction."""
    key = model_key()
    digested = spool.digested(key)
    load = account(
        spool,
        owed,
        run_id=start.run_id,
        window=start.window,
        settings=settings,
        label=_label,
        requests=requests,
        digest_key=key,
    )
    with Warehouse.open(settings.db_path) as wh:
        counts = wh.load_run(start.run_id, load)
    pending = len(load.pending or ())
    return {**load.stats, **dataclasses.asdict(counts), "pending": pending, "digested": digested}


def _query_key(queries: Mapping[str, str]) -> str:
    text = "\n".join(f"{k}={v}" for k, v in sorted(queries.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _wait_all(
    futures: Iterable[PrefectFuture],
    progress: bool,
    total: int,
    on_each: Callable[[], None] = lambda: None,
) -> list[Any]:
    """Wait for the fetches, calling ``on_each`` after each, with a progress bar on a
    terminal for long backfills."""
    futures = list(futures)
    results = []
    if not progress:
        for future in futures:
            results.append(future.result())
            on_each()
        return results
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        job = bar.add_task("fetching PubMed records", total=total)
        for future in futures:
            results.append(future.result())
            on_each()
            bar.advance(job)
    return results


def fetch_all(
    fetch: Any, settings: Settings, spool: Spool, todo: list[list[str]], progress: bool
) -> None:
    """Fetch every batch; meanwhile worker processes parse and label the answers already
    spooled (a backfill), or a thread loads the models (a few batches)."""
    digester = Digester.for_run(spool, len(todo))
    if digester is None:
        if todo:
            warm_models()
        _wait_all([fetch.submit(settings, spool, b) for b in todo], progress, len(todo))
        return
    logger = get_run_logger()
    try:
        futures = [fetch.submit(settings, spool, b) for b in todo]
        _wait_all(futures, progress, len(todo), on_each=digester.catch_up)
        logger.info("fetched %d batches; waiting for their digests", len(todo))
        digester.finish()
        logger.info("digests done")
    finally:
        digester.close()


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def ingest_flow(
    since: date | None = None,
    until: date | None = None,
    db_path: str | None = None,
    progress: bool = False,
    eutils_base_url: str | None = None,
) -> dict[str, Any]:
    """Pull new and revised ketamine records from PubMed into the warehouse, once."""
    logger = get_run_logger()
    settings = Settings.from_env(
        db_path=Path(db_path) if db_path else None, eutils_base_url=eutils_base_url
    )
    topics = load_topics(settings.topics_file)
    start = begin_run(settings, since, until)
    window = start.window
    logger.info("run %s covers %s to %s", start.run_id, window.start, window.end)
    spool = Spool.for_window(settings.db_path, window.key, _query_key(topics.queries))
    prune_stale(spool.root.parent)
    client = client_for(settings)
    requests_before = client.request_count
    retries, delay = settings.task_retries, settings.task_retry_delay
    search = search_topic.with_options(retries=retries, retry_delay_seconds=delay)
    fetch = fetch_batch.with_options(retries=retries, retry_delay_seconds=delay)
    try:
        searches = {t: search.submit(settings, q, window) for t, q in topics.queries.items()}
        matches = {topic: future.result() for topic, future in searches.items()}
        owed = promise(matches, start.owed)
        todo = batched(spool.missing(owed.pmids), settings.efetch_batch_size)
        logger.info("%d PMIDs promised, %d batches to fetch", len(owed.pmids), len(todo))
        fetch_all(fetch, settings, spool, todo, progress)
        requests = client.request_count - requests_before
        summary = load_spool(settings, start, spool, owed, requests)
    except BaseException as exc:
        record_failure(settings, start.run_id, exc)
        raise
    spool.clear()
    claims_error = after_load(settings, start.run_id, summary)
    summary.update(run_id=start.run_id, window_start=str(window.start))
    summary["window_end"] = str(window.end)
    summary["matches"] = {topic: len(found) for topic, found in matches.items()}
    publish_summary(summary)
    if claims_error is not None:
        raise claims_error
    return summary


def after_load(settings: Settings, run_id: str, summary: dict[str, Any]) -> Exception | None:
    """Claims, alerts, the dashboards' snapshot and the public site; returns a claims failure,
    which must not keep the committed load from the dashboards."""
    claims_error: Exception | None = None
    try:
        summary["claims"] = refresh_claims(settings, run_id)
        summary["alerts_sent"] = deliver_alerts(settings)
    except Exception as exc:
        get_run_logger().error("claims refresh failed; the load stands: %s", exc)
        claims_error = exc
    publish_snapshot(settings)
    if claims_error is None:
        summary["published_claims"] = republish_site(settings)
    return claims_error


@task(cache_policy=NONE)
def publish_snapshot(settings: Settings) -> None:
    """Give the dashboards a fresh read-only copy; the load itself has already committed."""
    with Warehouse.open(settings.db_path) as wh:
        wh.publish_snapshot()


def record_failure(settings: Settings, run_id: str, exc: BaseException) -> None:
    """Mark the run failed; the warehouse data and watermark stay as they were."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    with Warehouse.open(settings.db_path) as wh:
        wh.fail_run(run_id, error)


def publish_summary(summary: Mapping[str, Any]) -> None:
    """Publish the run's counts as a Prefect artifact for the UI."""
    rows = "\n".join(f"| {k} | {v} |" for k, v in summary.items() if k not in ("matches", "claims"))
    topics = "\n".join(f"| {k} | {v} |" for k, v in summary.get("matches", {}).items())
    markdown = (
        f"# PubMed ingest {summary['run_id']}\n\n| measure | value |\n|---|---|\n{rows}\n\n"
        f"## Records per topic query\n\n| topic | PMIDs |\n|---|---|\n{topics}\n"
    )
    create_markdown_artifact(key="ingest-summary", markdown=markdown, description="Nightly run")
