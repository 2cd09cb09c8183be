"""After each load: refresh every claim's support, watch for changes, alert, republish.

The nightly ingest flow calls these tasks once its load has committed; ``claims_flow`` runs
them on their own (after a registry change or the director's decisions). The rules live in
``pipelines.claims``; this module only moves data between the warehouse and them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from dashboards.claims_inbox import merge_pending_decisions
from pipelines.claims import ClaimEvent, ClaimResults, ClaimSupport, evaluate_claims
from pipelines.settings import Settings, load_claims
from warehouse.db import Warehouse


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def refresh_claim_support(db_path: Path, claims_file: Path, run_id: str | None) -> ClaimResults:
    """Recompute support for every registry claim and store it with any new alerts."""
    registry = load_claims(claims_file)
    now = _now()
    with Warehouse.open(db_path) as wh:
        wh.sync_claims(registry, now)
        events = wh.claim_events()
        evidence = wh.claim_evidence()
        previous = wh.claim_watch_states()
        cited_ids = sorted({p for c in registry for p in c.cited_pmids} | _event_cites(events))
        cited = {a.pmid: a for a in wh.articles(cited_ids)} if cited_ids else {}
        results = evaluate_claims(
            registry,
            events,
            evidence,
            previous,
            cited,
            run_id or f"refresh-{now:%Y%m%d%H%M%S}",
            now,
        )
        wh.store_claim_results(run_id, now, results)
    return results


def _event_cites(events: Sequence[ClaimEvent]) -> set[str]:
    return {p for e in events if e.cited_pmids for p in e.cited_pmids}


def load_claim_supports(db_path: Path) -> list[ClaimSupport]:
    """Every claim with its support and recommended references, for writers and the site."""
    with Warehouse.open(db_path, read_only=True) as wh:
        rows = wh.claim_overview()
        wanted = sorted({p for r in rows for p in r["recommended"]}, key=int)
        articles = {a.pmid: a for a in wh.articles(wanted)} if wanted else {}
    return [
        ClaimSupport(
            claim_id=r["claim_id"],
            wording=r["wording"],
            page=r["page"] or "",
            status=r["status"],
            support=r["support"],
            cebm_level=r["cebm_level"],
            grade=r["grade"],
            counts_by_design=r["counts_by_design"],
            findings=r["findings"],
            participants=r["participants"],
            references=tuple(articles[p] for p in r["recommended"] if p in articles),
            as_of=r["computed_at"],
        )
        for r in rows
    ]


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
    from pipelines.alerts import AlertChannel, send_pending

    channel = AlertChannel.from_env()
    if channel is None:
        return 0
    with Warehouse.open(settings.db_path) as wh:
        pending = wh.unsent_alerts()
    if not pending:
        return 0
    result = send_pending(pending, channel)
    with Warehouse.open(settings.db_path) as wh:
        wh.mark_alerts(list(result.sent_ids), _now())
        if result.unsent_ids:
            error = "; ".join(f"{k}: {v}" for k, v in result.errors.items())[:500]
            wh.mark_alerts(list(result.unsent_ids), None, error or "not delivered")
    if result.unsent_ids:
        get_run_logger().warning(
            "%d alerts not delivered, kept for the next run: %s",
            len(result.unsent_ids),
            dict(result.errors),
        )
    return len(result.sent_ids)


@task(cache_policy=NONE)
def republish_site(settings: Settings) -> int:
    """Rewrite the public claim pages, if the deployment names a directory for them."""
    if settings.publish_dir is None:
        return 0
    from pipelines.publish import published, render_site, write_site

    supports = load_claim_supports(settings.db_path)
    write_site(render_site(supports, datetime.now(UTC)), settings.publish_dir)
    return len(published(supports))


@flow(name="claims")
def claims_flow(db_path: str | None = None) -> dict[str, Any]:
    """Recompute claims, send alerts and republish without fetching anything."""
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    merge_pending_decisions(settings.db_path)  # the nightly flow does this in begin_run
    summary = refresh_claims(settings, None)
    summary["sent"] = deliver_alerts(settings)
    summary["published"] = republish_site(settings)
    with Warehouse.open(settings.db_path) as wh:
        wh.publish_snapshot()
    return summary
