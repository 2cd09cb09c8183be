"""Pure shaping of what the marts return into what the pages show: no Streamlit, no SQL.

DataFrames in, DataFrames or HTML text out, so every page's logic is testable on its own.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from core.article import CONDITIONS, DESIGNS, OUTCOMES
from dashboards.filters import Filters
from dashboards.taxonomy import display
from labels.review_queue import VerifiedCount, verified_count

CELL_COUNTS = (
    "studies",
    "meta_analyses",
    "rcts",
    "other_studies",
    "positive",
    "mixed",
    "negative",
    "participants",
)
REVIEW_COUNTS = ("verified", "open_review")  # dash_map_review.sql's, beside CELL_COUNTS
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DOI = "https://doi.org/{doi}"


def full_grid(cells: pd.DataFrame) -> pd.DataFrame:
    """Every condition x outcome of the taxonomy, in its order, counts zero where none."""
    index = pd.MultiIndex.from_product([CONDITIONS, OUTCOMES], names=["condition", "outcome"])
    names = list(CELL_COUNTS) + [c for c in REVIEW_COUNTS if c in cells.columns]
    counts = cells.set_index(["condition", "outcome"])[names] if len(cells) else None
    grid = pd.DataFrame(0, index=index, columns=names)
    if counts is not None:
        grid.update(counts.reindex(index).fillna(0))
    return grid.astype("int64").reset_index()


def cell_link(filters: Filters, condition: str, outcome: str) -> str:
    """The relative URL of the Studies page narrowed to one cell, other filters kept."""
    return "studies?" + urlencode(filters.map_only().for_cell(condition, outcome).to_query())


def map_table_html(grid: pd.DataFrame, filters: Filters) -> str:
    """The evidence map as an HTML table: one cell per condition x outcome, each a link."""
    peak = max(int(grid["studies"].max()), 1) if len(grid) else 1
    by_cell = {(r.condition, r.outcome): r for r in grid.itertuples(index=False)}
    head = "".join(f"<th scope='col'>{html.escape(display(o))}</th>" for o in OUTCOMES)
    rows = []
    for condition in CONDITIONS:
        tds = "".join(
            _cell_html(by_cell.get((condition, o)), filters, condition, o, peak) for o in OUTCOMES
        )
        rows.append(f"<tr><th scope='row'>{html.escape(display(condition))}</th>{tds}</tr>")
    return (
        f"<style>{MAP_CSS}</style><table class='evidence-map'><thead><tr><th></th>{head}"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cell_html(row: Any, filters: Filters, condition: str, outcome: str, peak: int) -> str:
    if row is None or row.studies == 0:
        return "<td class='empty'>—</td>"
    shade = 0.08 + 0.5 * row.studies / peak
    label = f"{display(condition)} × {display(outcome)}: {row.studies} studies"
    body = (
        f"<div class='n'>{row.studies} {'study' if row.studies == 1 else 'studies'}</div>"
        f"<div>MA {row.meta_analyses} · RCT {row.rcts} · other {row.other_studies}</div>"
        f"<div class='dir'><span class='pos'>▲ {row.positive}</span> "
        f"<span class='mix'>◆ {row.mixed}</span> <span class='neg'>▼ {row.negative}</span></div>"
        f"<div class='pp'>{row.participants:,} participants</div>"
        f"{_verified_html(row)}"
    )
    href = html.escape(cell_link(filters, condition, outcome))
    return (
        f"<td style='background: rgba(31, 119, 180, {shade:.2f})'>"
        f"<a href='{href}' target='_self' aria-label='{html.escape(label)}'>{body}</a></td>"
    )


def _verified_html(row: Any) -> str:
    """The cell's 'N of M verified by a person', when the grid carries review counts."""
    verified = getattr(row, "verified", None)
    if verified is None:
        return ""
    return f"<div class='ver'>{verified} of {row.studies} verified by a person</div>"


def verified_caption(verified: int, studies: int, *, hiding: bool) -> str:
    """The map's line on how much of it a person has checked."""
    hidden = " (studies with labels awaiting review hidden)" if hiding else ""
    return f"{verified:,} of {studies:,} studies on the map verified by a person{hidden}."


MAP_CSS = """
.evidence-map { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
.evidence-map th, .evidence-map td { border: 1px solid rgba(128,128,128,0.35);
  padding: 0.4rem; vertical-align: top; text-align: left; }
.evidence-map td a { color: inherit; text-decoration: none; display: block; }
.evidence-map td a:hover .n { text-decoration: underline; }
.evidence-map .n { font-weight: 600; }
.evidence-map .pos { color: #1a7f37; } .evidence-map .mix { color: #9a6700; }
.evidence-map .neg { color: #cf222e; } .evidence-map .pp { opacity: 0.8; }
.evidence-map .ver { opacity: 0.7; font-size: 0.78rem; }
.evidence-map td.empty { color: rgba(128,128,128,0.7); text-align: center; }
"""


def heatmap_frame(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid with readable names and a short design summary per cell, for the chart."""
    frame = grid.copy()
    frame["condition_name"] = frame["condition"].map(display)
    frame["outcome_name"] = frame["outcome"].map(display)
    frame["rct_or_ma"] = frame["rcts"] + frame["meta_analyses"]
    frame["summary"] = frame.apply(
        lambda r: f"{r.meta_analyses}/{r.rcts}/{r.other_studies}" if r.studies else "", axis=1
    )
    return frame


def cumulative_strong(trends: pd.DataFrame) -> pd.DataFrame:
    """Per condition and year, the running count of RCTs and meta-analyses."""
    if trends.empty:
        return pd.DataFrame(columns=["condition", "year", "cumulative"])
    strong = trends[trends["design"].isin(["rct", "meta_analysis"])]
    years = trends[["condition", "year"]].drop_duplicates()
    per_year = strong.groupby(["condition", "year"], as_index=False)["studies"].sum()
    merged = years.merge(per_year, on=["condition", "year"], how="left").fillna({"studies": 0})
    merged = merged.sort_values(["condition", "year"])
    merged["cumulative"] = merged.groupby("condition")["studies"].cumsum().astype("int64")
    return merged[["condition", "year", "cumulative"]].reset_index(drop=True)


def design_order() -> list[str]:
    """Designs in the charts' stacking and legend order, unlabelled last."""
    return [display(d) for d in DESIGNS] + ["Unlabelled"]


def studies_table(studies: pd.DataFrame) -> pd.DataFrame:
    """The studies list as the table shows it: readable labels and PubMed / DOI / page links."""
    out = pd.DataFrame(
        {
            "Year": studies["year"],
            "Title": studies["title"].fillna("(no title)"),
            "Design": studies["design"].map(_maybe_display),
            "N": studies["sample_size"],
            "Finding": studies["finding"].map(_maybe_display),
            "Drug": studies["drug"].map(_maybe_display),
            "Route": studies["routes"].map(lambda r: ", ".join(display(x) for x in r)),
            "Journal": studies["journal_abbrev"].fillna(studies["journal"]),
            "PubMed": studies["pmid"].map(lambda p: PUBMED.format(pmid=p)),
            "DOI": studies["doi"].map(lambda d: DOI.format(doi=d) if isinstance(d, str) else None),
            "Study": studies["pmid"].map(lambda p: f"study?pmid={p}"),
            "Flag": studies.apply(_flag, axis=1),
        }
    )
    return out


def _maybe_display(value: Any) -> str | None:
    return display(value) if isinstance(value, str) else None


def _flag(row: Any) -> str:
    return "Retracted" if row.retracted else ("Concern" if row.concern else "")


def model_metrics(report_json: str | None) -> pd.DataFrame:
    """Per-field scalar metrics from a model's training report (TrainingReport.to_json)."""
    if not report_json:
        return pd.DataFrame()
    report = json.loads(report_json)
    per_field = report.get("fields") if isinstance(report, Mapping) else None
    if not isinstance(per_field, Mapping):
        return pd.DataFrame()
    rows = []
    for name, metrics in per_field.items():
        if isinstance(metrics, Mapping):
            scalars = {k: v for k, v in metrics.items() if isinstance(v, int | float)}
            rows.append({"field": name, **scalars})
    return pd.DataFrame(rows)


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Recent runs for reading: window as a range, counts, duration, error."""
    window = (
        runs["window_start"].dt.strftime("%Y-%m-%d")
        + " → "
        + runs["window_end"].dt.strftime("%Y-%m-%d")
    )
    counts = ["searched", "fetched", "inserted", "updated", "deleted", "quarantined"]
    out = runs[["started_at", "status"]].assign(window=window)
    out = pd.concat([out, runs[counts]], axis=1)
    return out.assign(
        retractions=runs["retracted_flagged"],
        seconds=runs["seconds"].round(1),
        error=runs["error"],
        run_id=runs["run_id"],
    )


def claim_verified(studies: pd.DataFrame, verified: pd.DataFrame) -> VerifiedCount:
    """How many of a claim's studies (dash_claim_studies rows) a person has verified
    (dash_verified_pmids rows: judged for a claim, or a placing label corrected or confirmed);
    ``.text`` reads "N of M verified by a person". For the Claims page, per claim."""
    return verified_count(studies["pmid"].astype(str), verified["pmid"].astype(str))
