"""Claims against the warehouse: refresh support, settle decisions, alert, publish the site.

The rules are pure (``claims.registry``, ``claims.support``, ``claims.watch``); this module moves
data between them and the warehouse, and is what the claims flow's tasks, the ``claims`` and
``publish`` commands and the Claims page call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from claims.alerts import AlertChannel, send_pending
from claims.dossier import public_reviews, store_dossiers
from claims.publish import Published, write_site
from claims.registry import load_claims
from claims.site import published, render_site
from claims.site_config import SiteConfig
from claims.state import ClaimState, read_state, supports
from claims.watch import evaluate_claims
from core.claim import Claim, ClaimEvent, ClaimResults
from warehouse.db import Warehouse
from warehouse.inbox import MERGE_LOCK, merge_into, read_inbox

SETTLE_WAIT_SECONDS = 2.0  # a decision or publish waits this long for the warehouse, no more


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def refresh_claim_support(db_path: Path, claims_file: Path, run_id: str | None) -> ClaimResults:
    """Recompute support for every registry claim and store it with any new alerts."""
    registry = load_claims(claims_file)
    with Warehouse.open(db_path) as wh:
        store_dossiers(wh, db_path)  # any frozen while the warehouse was busy
        return refresh_in(wh, registry, run_id)


def refresh_in(wh: Warehouse, registry: Sequence[Claim], run_id: str | None) -> ClaimResults:
    """Recompute every claim in an open warehouse: support, watch, alerts (one transaction)."""
    now = _now()
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


def settle(
    db_path: Path, registry: Sequence[Claim], *, wait_seconds: float = SETTLE_WAIT_SECONDS
) -> bool:
    """If the warehouse is free now: merge the inbox, recompute every claim and publish the
    snapshot, in one hold of the file. False (nothing done) if it stays busy or is missing."""
    if not Path(db_path).exists():
        return False
    with MERGE_LOCK:
        try:
            inbox = read_inbox(db_path, wait_seconds=wait_seconds)
        except BlockingIOError:  # the app is writing to it; the next settle merges
            return False
        wh = Warehouse.open_when_free(db_path, wait_seconds=wait_seconds)
        if wh is None:
            return False
        with wh:
            merge_into(wh, inbox)
            store_dossiers(wh, db_path)
            refresh_in(wh, registry, None)
            wh.publish_snapshot()
    return True


@dataclass(frozen=True)
class SiteUpdate:
    """One publish of the public site from the claims as they stand."""

    site: Published
    claims: int  # approved claims on it
    unmerged: int  # decisions applied from the inbox because the warehouse was busy
    as_of: datetime | None


def current_state(
    db_path: Path, registry: Sequence[Claim], *, wait_seconds: float = SETTLE_WAIT_SECONDS
) -> ClaimState:
    """The claims with every decision so far: settled into the warehouse first if any waits
    in the inbox and the warehouse is free; else the inbox's applied over the snapshot."""
    state = read_state(db_path, registry)
    if state.pending and settle(db_path, registry, wait_seconds=wait_seconds):
        state = read_state(db_path, registry)
    return state


def publish_site(
    db_path: Path,
    claims_file: Path,
    outdir: Path,
    *,
    state: ClaimState | None = None,
    wait_seconds: float = SETTLE_WAIT_SECONDS,
) -> SiteUpdate:
    """Write the public pages for the approved claims as they stand now (a new version)."""
    if state is None:
        state = current_state(db_path, load_claims(claims_file), wait_seconds=wait_seconds)
    now = datetime.now(UTC)
    claims = supports(state)
    files = render_site(
        claims, now, reviews=public_reviews(db_path, state), config=SiteConfig.from_env()
    )
    site = write_site(files, outdir, now=now)
    return SiteUpdate(site, len(published(claims)), state.pending, state.as_of)


def republish(db_path: Path, publish_dir: Path, claims_file: Path) -> int:
    """Rewrite the public claim pages; return how many claims they show."""
    return publish_site(db_path, claims_file, publish_dir).claims


def deliver_unsent(db_path: Path) -> tuple[int, int, dict[str, str]]:
    """Send the alerts not yet sent; return (sent, kept, errors). Failures stay for next run."""
    channel = AlertChannel.from_env()
    if channel is None:
        return 0, 0, {}
    with Warehouse.open(db_path) as wh:
        pending = wh.unsent_alerts()
    if not pending:
        return 0, 0, {}
    result = send_pending(pending, channel)
    with Warehouse.open(db_path) as wh:
        wh.mark_alerts(list(result.sent_ids), _now())
        if result.unsent_ids:
            error = "; ".join(f"{k}: {v}" for k, v in result.errors.items())[:500]
            wh.mark_alerts(list(result.unsent_ids), None, error or "not delivered")
    return len(result.sent_ids), len(result.unsent_ids), dict(result.errors)
