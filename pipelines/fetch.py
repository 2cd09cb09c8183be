"""The nightly ingestion flow: search each topic, fetch in batches, parse, load in one go.

Prefect only orchestrates here; the work is done by ``eutils`` (HTTP), ``pubmed_xml``
(parsing), ``spool`` (files) and ``warehouse.db`` (DuckDB).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
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

from core.article import Article, Deletion, Quarantined
from core.settings import Settings
from labels.shipped import classify_articles
from pipelines.claims_flow import deliver_alerts, refresh_claims, republish_site
from pubmed.eutils import EutilsClient
from pubmed.parser import iter_records
from pubmed.spool import Spool, prune_stale
from pubmed.topics import load_topics
from pubmed.window import Window, batched, plan_window
from warehouse.db import RawBatch, RunLoad, Warehouse
from warehouse.inbox import merge_inbox


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
    )


@task(cache_policy=NONE)
def begin_run(settings: Settings, since: date | None, until: date | None) -> tuple[Window, str]:
    """Merge reviewers' pending corrections, plan the window and record a running run."""
    if settings.db_path.exists():
        merge_inbox(settings.db_path)
    with Warehouse.open(settings.db_path) as wh:
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
    return window, run_id


@task(retries=2, retry_delay_seconds=10, cache_policy=NONE)
def search_topic(settings: Settings, term: str, window: Window) -> list[str]:
    """All PMIDs the topic query matches in the window, by entry and modification date."""
    client = client_for(settings)
    ids: set[str] = set()
    for datetype in window.datetypes():
        ids.update(client.search_ids(term, datetype=datetype, start=window.start, end=window.end))
    return sorted(ids, key=int)


@task(retries=2, retry_delay_seconds=10, cache_policy=NONE)
def fetch_batch(settings: Settings, spool: Spool, batch_no: int, ids: list[str]) -> int:
    """Fetch one batch into the spool, unless an earlier attempt already did."""
    if spool.has_batch(batch_no):
        return 0
    body = client_for(settings).efetch(ids)
    spool.write_batch(batch_no, body)
    return len(body)


@task(cache_policy=NONE)
def load_spool(
    settings: Settings,
    run_id: str,
    window: Window,
    spool: Spool,
    batches: Sequence[Sequence[str]],
    matches: Mapping[str, Sequence[str]],
    requests: int,
) -> dict[str, Any]:
    """Parse every spooled batch and load it all in one warehouse transaction."""
    parsed = collect_batches(spool, batches)
    labelled = classify_articles(parsed.articles)
    stats = {
        "requests": requests,
        "searched": len(parsed.requested),
        "fetched": len(parsed.articles),
    }
    load = RunLoad(
        articles=labelled,
        deletions=parsed.deletions,
        quarantined=parsed.quarantined,
        batches=parsed.raw,
        matches=matches,
        window_end=window.end,
        stats=stats,
    )
    with Warehouse.open(settings.db_path) as wh:
        counts = wh.load_run(run_id, load)
    return {**stats, **dataclasses.asdict(counts)}


class ParsedBatches:
    """What a run's spool holds once parsed: records, notices, failures and the raw bodies."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.deletions: list[str] = []
        self.quarantined: list[Quarantined] = []
        self.raw: list[RawBatch] = []
        self.requested: set[str] = set()


def collect_batches(spool: Spool, batches: Sequence[Sequence[str]]) -> ParsedBatches:
    """Parse the spooled bodies; a requested PMID that never came back is quarantined."""
    out = ParsedBatches()
    seen: set[str] = set()
    for batch_no, ids in enumerate(batches):
        body = spool.read_batch(batch_no)
        fetched_at = datetime.fromtimestamp(spool.batch_path(batch_no).stat().st_mtime, UTC)
        out.raw.append(
            RawBatch(batch_no=batch_no, pmids=tuple(ids), body=body, fetched_at=fetched_at)
        )
        out.requested.update(ids)
        for record in iter_records(io.BytesIO(body)):
            if isinstance(record, Article):
                if record.pmid not in seen:
                    seen.add(record.pmid)
                    out.articles.append(record)
            elif isinstance(record, Deletion):
                out.deletions.append(record.pmid)
            else:
                out.quarantined.append(record)
    failed = {q.pmid for q in out.quarantined}
    for pmid in sorted(out.requested - seen - failed, key=int):
        reason = "requested from efetch but not returned (deleted or withdrawn from PubMed?)"
        out.quarantined.append(Quarantined(reason=reason, pmid=pmid))
    return out


def _query_key(queries: Mapping[str, str]) -> str:
    text = "\n".join(f"{k}={v}" for k, v in sorted(queries.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _wait_all(futures: Iterable[PrefectFuture], progress: bool, total: int) -> list[Any]:
    """Wait for the fetches, with a progress bar on a terminal for long backfills."""
    futures = list(futures)
    if not progress:
        return [f.result() for f in futures]
    from rich.progress import Progress

    results = []
    with Progress(transient=True) as bar:
        job = bar.add_task("fetching PubMed records", total=total)
        for future in futures:
            results.append(future.result())
            bar.advance(job)
    return results


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def ingest_flow(
    since: date | None = None,
    until: date | None = None,
    db_path: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Pull new and revised ketamine records from PubMed into the warehouse, once."""
    logger = get_run_logger()
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    topics = load_topics(settings.topics_file)
    window, run_id = begin_run(settings, since, until)
    logger.info("run %s covers %s to %s", run_id, window.start, window.end)
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
        ids = sorted({pmid for found in matches.values() for pmid in found}, key=int)
        batches = batched(ids, settings.efetch_batch_size)
        logger.info("%d records to fetch in %d batches", len(ids), len(batches))
        fetches = [fetch.submit(settings, spool, n, b) for n, b in enumerate(batches)]
        _wait_all(fetches, progress, len(batches))
        requests = client.request_count - requests_before
        summary = load_spool(settings, run_id, window, spool, batches, matches, requests)
    except BaseException as exc:
        record_failure(settings, run_id, exc)
        raise
    spool.clear()
    claims_error: BaseException | None = None
    try:  # the load has committed: a claims failure must not keep it from the dashboards
        summary["claims"] = refresh_claims(settings, run_id)
        summary["alerts_sent"] = deliver_alerts(settings)
    except Exception as exc:
        logger.error("claims refresh failed; the load stands: %s", exc)
        claims_error = exc
    publish_snapshot(settings)
    if claims_error is None:
        summary["published_claims"] = republish_site(settings)
    summary.update(run_id=run_id, window_start=str(window.start), window_end=str(window.end))
    summary["matches"] = {topic: len(found) for topic, found in matches.items()}
    publish_summary(summary)
    if claims_error is not None:
        raise claims_error
    return summary


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
