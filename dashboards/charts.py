"""Altair charts for the pages: pure builders, DataFrames in, charts out."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.article import CONDITIONS, OUTCOMES
from dashboards.evidence import design_order
from dashboards.taxonomy import display

CELL_SELECTION = "cell"
WHOLE_NUMBERS = alt.Axis(format="d", tickMinStep=1)
# Colour-blind-safe (Okabe-Ito) with grey for what is not primary evidence.
DESIGN_COLOURS = [
    "#0072B2",
    "#009E73",
    "#56B4E9",
    "#E69F00",
    "#CC79A7",
    "#D55E00",
    "#999999",
    "#BBBBBB",
    "#DDDDDD",
]


def evidence_heatmap(frame: pd.DataFrame) -> alt.LayerChart:
    """Conditions x outcomes shaded by number of studies, labelled MA/RCT/other, clickable."""
    pick = alt.selection_point(name=CELL_SELECTION, fields=["condition", "outcome"])
    base = alt.Chart(frame).encode(
        x=alt.X(
            "outcome_name:N",
            title=None,
            sort=[display(o) for o in OUTCOMES],
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y("condition_name:N", title=None, sort=[display(c) for c in CONDITIONS]),
    )
    tiles = base.mark_rect(stroke="white").encode(
        color=alt.Color("studies:Q", title="Studies", scale=alt.Scale(scheme="blues")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[
            alt.Tooltip("condition_name:N", title="Condition"),
            alt.Tooltip("outcome_name:N", title="Outcome"),
            alt.Tooltip("studies:Q", title="Studies"),
            alt.Tooltip("meta_analyses:Q", title="Meta-analyses"),
            alt.Tooltip("rcts:Q", title="RCTs"),
            alt.Tooltip("other_studies:Q", title="Other studies"),
            alt.Tooltip("positive:Q", title="Positive"),
            alt.Tooltip("mixed:Q", title="Mixed"),
            alt.Tooltip("negative:Q", title="Negative"),
            alt.Tooltip("participants:Q", title="Participants", format=","),
        ],
    )
    labels = base.mark_text(baseline="middle").encode(
        text="summary:N",
        color=alt.condition("datum.studies > 0", alt.value("black"), alt.value("transparent")),
    )
    return (tiles.add_params(pick) + labels).properties(height=240)


def trend_chart(bars: pd.DataFrame, cumulative: pd.DataFrame) -> alt.LayerChart:
    """Publications per year stacked by design, with the running count of RCTs and MAs."""
    order = design_order()
    frame = bars.assign(design_name=bars["design"].map(_design_name))
    stacked = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("sum(studies):Q", title="Publications", axis=WHOLE_NUMBERS),
            color=alt.Color(
                "design_name:N",
                title="Design",
                sort=order,
                scale=alt.Scale(domain=order, range=DESIGN_COLOURS),
            ),
            order=alt.Order("design_rank:Q"),
            tooltip=["year:O", "design_name:N", "sum(studies):Q"],
        )
        .transform_calculate(design_rank=f"indexof({order!r}, datum.design_name)")
    )
    line = (
        alt.Chart(cumulative)
        .mark_line(point=True, color="black")
        .encode(
            x=alt.X("year:O"),
            y=alt.Y(
                "cumulative:Q",
                title="RCTs + meta-analyses so far",
                axis=WHOLE_NUMBERS,
                scale=alt.Scale(domainMin=0, nice=True),
            ),
            tooltip=["year:O", alt.Tooltip("cumulative:Q", title="RCTs + MAs so far")],
        )
    )
    return alt.layer(stacked, line).resolve_scale(y="independent").properties(height=220)


def _design_name(design: str) -> str:
    return "Unlabelled" if design == "unlabelled" else display(design)


# Okabe-Ito, as the public evidence pages colour findings.
FINDING_DOMAIN = ["Positive", "Mixed", "Negative", "None"]
FINDING_COLOURS = ["#009E73", "#E69F00", "#D55E00", "#999999"]


def claim_evidence_chart(frame: pd.DataFrame) -> alt.Chart:
    """A claim's studies by design (strongest at the top), coloured by finding."""
    order = design_order()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("design_name:N", title=None, sort=order),
            x=alt.X("sum(studies):Q", title="Studies", axis=WHOLE_NUMBERS),
            color=alt.Color(
                "finding_name:N",
                title="Finding",
                scale=alt.Scale(domain=FINDING_DOMAIN, range=FINDING_COLOURS),
            ),
            order=alt.Order("finding_rank:Q"),
            tooltip=[
                alt.Tooltip("design_name:N", title="Design"),
                alt.Tooltip("finding_name:N", title="Finding"),
                alt.Tooltip("studies:Q", title="Studies"),
            ],
        )
        .transform_calculate(finding_rank=f"indexof({FINDING_DOMAIN!r}, datum.finding_name)")
        .properties(height=alt.Step(28))
    )
