"""After each load: refresh every claim's support, watch for changes, alert, republish.

The nightly ingest flow calls these tasks once its load has committed; ``claims_flow`` runs
them on their own (after a registry change or the director's decisions). Each task calls one
function of ``claims.refresh``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from claims.refresh import deliver_unsent, refresh_claim_support, republish
from core.settings import Settings
from warehouse.db import Warehouse
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
