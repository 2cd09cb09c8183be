"""The public page's evidence chart: inline SVG drawn here, no script, no font, no image.

It scales with the page (a viewBox and width 100%), so it fits a 390 px phone as well as a
desktop; its <title> says in words what the bars show, for screen readers and text browsers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from core.article import DESIGNS, FINDINGS

DESIGN_LABELS = {
    "meta_analysis": "Meta-analysis",
    "rct": "Randomised controlled trial",
    "nonrandomized_trial": "Non-randomised trial",
    "observational": "Observational study",
    "case_report": "Case report or series",
    "preclinical": "Preclinical study",
    "review": "Review",
    "other": "Other",
}
FINDING_COLOURS = {  # colour-blind-safe (Okabe-Ito), each with its label in the legend
    "positive": ("#009E73", "Positive"),
    "mixed": ("#E69F00", "Mixed"),
    "negative": ("#D55E00", "Negative"),
    "none": ("#999999", "No finding stated"),
}
_LABEL_W, _BAR_W, _ROW_H = 210, 360, 26  # chart geometry, in viewBox units
_WIDTH = _LABEL_W + _BAR_W + 60
_LEGEND_COLUMNS = 2  # legend entries per row, so the legend never leaves the viewBox


def by_design(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Designs strongest first (TAXONOMY.md's order), unknown ones after; zeros dropped."""
    order = {name: i for i, name in enumerate(DESIGNS)}
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: order.get(kv[0], 99))


def by_finding(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    order = {name: i for i, name in enumerate(FINDINGS)}
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: order.get(kv[0], 99))


def evidence_chart(counts_by_design: Mapping[str, int], findings: Mapping[str, int]) -> str:
    """A bar per study design, then one bar split by the direction of findings; "" if empty."""
    designs = by_design(counts_by_design)
    directions = by_finding(findings)
    parts, height = _design_bars(designs)
    finding_parts, finding_height = _finding_bar(directions, height)
    parts += finding_parts
    height += finding_height
    if not parts:
        return ""
    summary = "; ".join(
        [
            "Studies by design: " + ", ".join(f"{DESIGN_LABELS.get(k, k)} {v}" for k, v in designs),
            "findings: "
            + ", ".join(f"{FINDING_COLOURS.get(k, ('', k))[1]} {v}" for k, v in directions),
        ]
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {_WIDTH} {height}" preserveAspectRatio="xMinYMin meet" '
        f'class="evidence-chart" aria-labelledby="chart-title">'
        f'<title id="chart-title">{escape(summary)}</title>{"".join(parts)}</svg>'
    )


def _design_bars(designs: Sequence[tuple[str, int]]) -> tuple[list[str], int]:
    """One labelled bar per design, scaled to the most frequent; and the height used."""
    widest = max((count for _, count in designs), default=1)
    parts = []
    for row, (key, count) in enumerate(designs):
        y = row * _ROW_H
        width = max(2, round(_BAR_W * count / widest))
        parts.append(
            f'<text x="0" y="{y + 17}">{escape(DESIGN_LABELS.get(key, key))}</text>'
            f'<rect x="{_LABEL_W}" y="{y + 4}" width="{width}" height="18" fill="#3b6ea5"/>'
            f'<text x="{_LABEL_W + width + 6}" y="{y + 17}">{count}</text>'
        )
    return parts, len(designs) * _ROW_H


def _finding_bar(findings: Sequence[tuple[str, int]], top: int) -> tuple[list[str], int]:
    """A bar split by finding, with its legend below it, starting at top; the height used."""
    total = sum(count for _, count in findings)
    if not total:
        return [], 0
    y = top + 10
    parts = [f'<text x="0" y="{y + 17}">Findings</text>']
    x = float(_LABEL_W)
    column = _BAR_W // _LEGEND_COLUMNS
    for n, (key, count) in enumerate(findings):
        colour, label = FINDING_COLOURS.get(key, ("#666666", key))
        share = _BAR_W * count / total
        text = f"{label} {count}"
        legend_x = _LABEL_W + (n % _LEGEND_COLUMNS) * column
        legend_y = y + _ROW_H * (1 + n // _LEGEND_COLUMNS)
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{share:.1f}" height="18" fill="{colour}">'
            f"<title>{escape(text)}</title></rect>"
            f'<rect x="{legend_x}" y="{legend_y + 6}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="{legend_y + 17}">{escape(text)}</text>'
        )
        x += share
    legend_rows = -(-len(findings) // _LEGEND_COLUMNS)
    return parts, 10 + (1 + legend_rows) * _ROW_H
