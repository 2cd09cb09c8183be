"""Claims in the warehouse: the registry's claims, decisions, support, watch state, alerts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from core.article import designs_at_or_above
from core.claim import (
    Alert,
    Claim,
    ClaimEvent,
    ClaimResults,
    Evidence,
    Judgement,
    SupportSummary,
    WatchState,
)
from warehouse.base import WarehouseBase, read_sql


class ClaimsMixin(WarehouseBase):
    """What the claims rules read and write."""

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
                "designs": [
                    d
                    for d in designs_at_or_above(c.evidence.min_design)
                    if not (c.evidence.health_claim and d == "preclinical")
                ],
                "kind": c.evidence.kind,
                "forms": list(c.evidence.forms),
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
        return [_event(r) for r in self._dicts(read_sql("read", "claim_events"))]

    def add_claim_events(self, events: Sequence[ClaimEvent]) -> int:
        """Store decisions (each needs its event_id); ones already held are skipped."""
        before = {e.event_id for e in self.claim_events()}
        rows = [_event_row(e) for e in events if e.event_id not in before]
        if rows:
            with self._transaction():
                self._many("write", "claim_event_insert", rows)
        return len(rows)

    def claim_evidence(self, claim_id: str | None = None) -> dict[str, list[Evidence]]:
        """The studies matching each claim's evidence query (or one claim's), by claim."""
        if claim_id is None:
            rows = self._dicts(read_sql("read", "claim_evidence"))
        else:
            rows = self._dicts(read_sql("read", "claim_evidence_for"), {"claim_id": claim_id})
            rows = [{"claim_id": claim_id, **r} for r in rows]
        out: dict[str, list[Evidence]] = {}
        for r in rows:
            r["routes"] = tuple(r["routes"] or ())
            out.setdefault(r.pop("claim_id"), []).append(Evidence(**r))
        return out

    def claim_judgements(self) -> list[Judgement]:
        """Every judgement of a study for a claim this file holds, oldest first.

        An inbox file written before judgements existed holds none.
        """
        if not self.columns("claim_judgements"):
            return []
        return [Judgement(**r) for r in self._dicts(read_sql("read", "claim_judgements"))]

    def add_claim_judgements(self, judgements: Sequence[Judgement]) -> int:
        """Store judgements (each needs its judgement_id); ones already held are skipped."""
        if not judgements:
            return 0
        self._run("raw", "92_claim_judgements")  # the same table in an inbox made before them
        before = {j.judgement_id for j in self.claim_judgements()}
        rows = [
            {f.name: getattr(j, f.name) for f in fields(Judgement)}
            for j in judgements
            if j.judgement_id not in before
        ]
        if rows:
            with self._transaction():
                self._many("write", "claim_judgement_insert", rows)
        return len(rows)

    def add_claim_candidates(
        self, claim_id: str, pmids: Sequence[str], added_by: str, source: str, now: datetime
    ) -> None:
        """Record studies a reviewer added to a claim's candidates by hand."""
        rows = [
            {
                "claim_id": claim_id,
                "pmid": p,
                "added_by": added_by,
                "added_at": now,
                "source": source,
            }
            for p in pmids
        ]
        with self._transaction():
            self._many("write", "claim_addition_insert", rows)

    def claims_as_of(self) -> datetime | None:
        """When the evidence behind the claims was last loaded (the last completed run)."""
        ((as_of,),) = self._run("read", "claims_as_of")
        return as_of  # type: ignore[no-any-return]

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


EVENT_FIELDS = tuple(f.name for f in fields(ClaimEvent))


def _event(row: Mapping[str, Any]) -> ClaimEvent:
    """A stored decision; columns a file written before them lacks read as None."""
    values: dict[str, Any] = {name: row.get(name) for name in EVENT_FIELDS}
    cited = values["cited_pmids"]
    values["cited_pmids"] = None if cited is None else tuple(cited)
    return ClaimEvent(**values)


def _event_row(event: ClaimEvent) -> dict[str, Any]:
    row = {name: getattr(event, name) for name in EVENT_FIELDS}
    row["cited_pmids"] = None if event.cited_pmids is None else list(event.cited_pmids)
    return row


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
