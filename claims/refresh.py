"""Claims against the warehouse: refresh support, read it for writers, alert, republish.

The rules are pure (``claims.registry``, ``claims.support``, ``claims.watch``); this module moves
data between them and the warehouse, and is what the claims flow's tasks call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from claims.alerts import AlertChannel, send_pending
from claims.registry import load_claims
from claims.site import published, render_site, write_site
from claims.watch import evaluate_claims
from core.claim import ClaimEvent, ClaimResults, ClaimSupport
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


def republish(db_path: Path, publish_dir: Path) -> int:
    """Rewrite the public claim pages from the warehouse; return how many claims they show."""
    supports = load_claim_supports(db_path)
    write_site(render_site(supports, datetime.now(UTC)), publish_dir)
    return len(published(supports))
