"""After each load: refresh every claim's support, watch for changes, alert, republish.

The nightly ingest flow calls these tasks once its load has committed; ``claims_flow`` runs
them on their own (after a registry change or the director's decisions). Each task calls one
function of ``claims.refresh``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from claims.judgements import NotAReviewer
from claims.refresh import deliver_unsent, refresh_claim_support, republish, settle
from claims.registry import load_claims
from claims.state import UnknownClaim
from core.article import Article
from core.settings import Settings
from labels.shipped import classify_articles
from pubmed.eutils import EutilsClient
from pubmed.parser import parse_bytes
from warehouse.db import RunLoad, Warehouse
from warehouse.inbox import merge_inbox


@task(cache_policy=NONE)
def refresh_claims(settings: Settings, run_id: str | None) -> dict[str, Any]:
    """Recompute and watch every claim (the caller has merged pending decisions)."""
    results = refresh_claim_support(settings.db_path, settings.claims_file, run_id)
    return {
        "claims": len(results.claims),
        "approved": sum(c.status == "approved" for c in results.claims),
        "alerts": len(results.alerts),
        "support": {c: s.support for c, s in results.summaries.items()},
    }


@task(retries=2, retry_delay_seconds=30, cache_policy=NONE)
def deliver_alerts(settings: Settings) -> int:
    """Send the alerts not yet sent; failures stay unsent and are retried next run."""
    sent, kept, errors = deliver_unsent(settings.db_path)
    if kept:
        get_run_logger().warning("%d alerts not delivered, kept for the next run: %s", kept, errors)
    return sent


@task(cache_policy=NONE)
def republish_site(settings: Settings) -> int:
    """Rewrite the public claim pages, if the deployment names a directory for them."""
    if settings.publish_dir is None:
        return 0
    return republish(settings.db_path, settings.publish_dir, settings.claims_file)


@flow(name="claims")
def claims_flow(db_path: str | None = None) -> dict[str, Any]:
    """Recompute claims, send alerts and republish without fetching anything."""
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    merge_inbox(settings.db_path)  # the nightly flow does this in begin_run
    summary = refresh_claims(settings, None)
    summary["sent"] = deliver_alerts(settings)
    with Warehouse.open(settings.db_path) as wh:
        wh.publish_snapshot()  # first: the site is rendered from the published snapshot
    summary["published"] = republish_site(settings)
    return summary


def add_studies(
    settings: Settings, claim_id: str, pmids: list[str], by: str, source: str
) -> tuple[list[str], list[str]]:
    """Fetch, parse, label and load studies a reviewer adds to a claim's candidates by hand,
    then recompute the claims. Returns (added, not found in PubMed).

    The warehouse must be free (the nightly job not running): TimeoutError otherwise.
    """
    if not settings.roles_of(by) & {"reviewer", "director"}:
        raise NotAReviewer(f"{by.strip() or 'nobody'} is not a reviewer or medical director")
    registry = load_claims(settings.claims_file)
    if claim_id not in {c.claim_id for c in registry}:
        raise UnknownClaim(claim_id)
    client = EutilsClient(
        settings.eutils_base_url,
        email=settings.email,
        tool=settings.tool,
        api_key=settings.api_key,
        timeout=settings.http_timeout,
        max_response_bytes=settings.max_response_bytes,
    )
    with client:
        records = parse_bytes(client.efetch(pmids))
    articles = classify_articles([r for r in records if isinstance(r, Article)])
    found = [a.pmid for a in articles]
    now = datetime.now(UTC).replace(tzinfo=None)
    wh = Warehouse.open_when_free(settings.db_path, wait_seconds=10.0)
    if wh is None:
        raise TimeoutError(f"{settings.db_path} is busy (the nightly job?); add the study later")
    with wh:
        if articles:
            run_id = wh.start_run(window_start=now.date(), window_end=now.date(), flow_run_id=None)
            wh.load_run(run_id, RunLoad(articles=articles, window_end=now.date(), feed=None))
            wh.add_claim_candidates(claim_id, found, by.strip().lower(), source, now)
    settle(settings.db_path, registry)
    return found, [p for p in pmids if p not in found]
