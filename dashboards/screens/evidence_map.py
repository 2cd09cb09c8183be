"""Evidence map: conditions x outcomes, each cell's designs, directions and participants."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.charts import CELL_SELECTION, evidence_heatmap
from dashboards.context import current_context
from dashboards.data import read_frame
from dashboards.evidence import full_grid, heatmap_frame, map_table_html, verified_caption
from dashboards.filters import Filters
from dashboards.navigation import page
from dashboards.taxonomy import display
from dashboards.widgets import filter_sidebar, initial_filters, remember_filters, timed_page


def render() -> None:
    with timed_page("Evidence map"):
        ctx = current_context()
        st.title("Evidence map")
        filters = filter_sidebar(ctx, "map", initial_filters().map_only())
        hide = st.sidebar.toggle(
            "Hide labels that need review",
            value=st.query_params.get("reviewed") == "1",
            key="map.hide_open",
            help="Leave out studies whose labels the model is unsure of and no person has "
            "corrected or confirmed yet.",
        )
        remember_filters(filters, **({"reviewed": "1"} if hide else {}))
        params = {**filters.map_params(), "hide_open": hide}
        grid = full_grid(read_frame(ctx, "dash_map_review", params))
        totals = read_frame(ctx, "dash_map_verified", params).iloc[0]
        st.caption(verified_caption(int(totals.verified), int(totals.studies), hiding=hide))
        st.caption(
            "Each cell: studies of ketamine, esketamine or arketamine on the condition that "
            "report the outcome — meta-analyses (MA), RCTs and other designs; which way they "
            "point (▲ positive, ◆ mixed, ▼ negative); the participants they enrolled. "
            "A study counts in every cell it covers. Click a cell for the studies behind it."
        )
        if grid["studies"].sum() == 0:
            st.info("No labelled on-topic studies match these filters.")
        st.html(map_table_html(grid, filters))
        _chart(grid, filters)


def _chart(grid: pd.DataFrame, filters: Filters) -> None:
    """The same cells as a heatmap (MA/RCT/other counts); a click offers the cell's studies."""
    st.subheader("Where the evidence is", help="Labels read meta-analyses/RCTs/other studies.")
    event = st.altair_chart(
        evidence_heatmap(heatmap_frame(grid)), on_select="rerun", key="map.chart"
    )
    picked = (event.selection.get(CELL_SELECTION) or [None])[0] if event else None
    if picked and "condition" in picked:
        condition, outcome = picked["condition"], picked["outcome"]
        st.page_link(
            page("studies"),
            label=f"Open the studies on {display(condition)} × {display(outcome)}",
            icon=":material/arrow_forward:",
            query_params=filters.for_cell(condition, outcome).to_query(),
        )
