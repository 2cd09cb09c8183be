"""A plain-text summary of what the warehouse holds, for the demo and ``status``."""

from __future__ import annotations

from pathlib import Path

from warehouse.db import Warehouse


def warehouse_report(db_path: Path) -> str:
    """Summarise runs, records per topic and year, and quarantined records."""
    if not Path(db_path).exists():
        return f"No warehouse at {db_path} yet: run `ketamine-evidence ingest` first."
    with Warehouse.open(db_path, read_only=True) as wh:
        runs = wh.runs()
        topics = wh.query("report_topics")
        years = wh.query("report_years")
        quarantine = wh.query("report_quarantine")
        claims = wh.claim_overview()
        total = wh.count("articles")
    lines = [f"Warehouse {db_path}: {total} articles, {len(runs)} runs"]
    if runs:
        last = runs[-1]
        lines.append(
            f"Last run {last['run_id']} ({last['status']}): window {last['window_start']} to "
            f"{last['window_end']}, {last['requests']} requests, {last['inserted']} inserted, "
            f"{last['updated']} updated, {last['unchanged']} unchanged, "
            f"{last['quarantined']} quarantined"
        )
        if last.get("error"):
            lines.append(f"  error: {last['error']}")
    lines.append("\nRecords per condition query:")
    lines += [f"  {topic:<14} {n:>6}" for topic, n in topics]
    lines.append("\nRecords per publication year:")
    lines += [
        f"  {year if year is not None else 'unknown':<8} {n:>5} {'#' * min(n, 60)}"
        for year, n in years
    ]
    lines.append(f"\nQuarantined records: {len(quarantine)} shown")
    lines += [f"  {pmid or '?'}: {reason}" for _run, pmid, reason in quarantine]
    if claims:
        lines.append("\nClaims on the site (support from the evidence held):")
        lines.append(f"  {'claim':<31} {'status':<10} {'support':<13} CEBM studies participants")
        for c in claims:
            studies = sum(c["counts_by_design"].values())
            level = c["cebm_level"] or "-"
            lines.append(
                f"  {c['claim_id']:<31} {c['status']:<10} {c['support']:<13} {level:>4} "
                f"{studies:>7} {c['participants']:>12,}"
            )
    return "\n".join(lines)
