"""Trends: publications per year per condition, stacked by design, with the running count
of RCTs and meta-analyses."""

from __future__ import annotations

import streamlit as st

from core.article import CONDITIONS
from dashboards.charts import trend_chart
from dashboards.context import current_context
from dashboards.data import read_frame
from dashboards.evidence import cumulative_strong
from dashboards.taxonomy import display
from dashboards.widgets import filter_sidebar, initial_filters, remember_filters, timed_page


def render() -> None:
    with timed_page("Trends"):
        ctx = current_context()
        st.title("Trends")
        filters = filter_sidebar(ctx, "trends", initial_filters().map_only())
        remember_filters(filters)
        bars = read_frame(ctx, "dash_trends", filters.map_params())
        cumulative = cumulative_strong(bars)
        st.caption(
            "Publications per year on each condition, stacked by design; the line counts the "
            "RCTs and meta-analyses published so far (right axis). Undated records are left out."
        )
        for condition in CONDITIONS:
            st.subheader(display(condition))
            mine = bars[bars["condition"] == condition]
            if mine.empty:
                st.caption("No labelled on-topic studies match these filters.")
                continue
            line = cumulative[cumulative["condition"] == condition]
            st.altair_chart(trend_chart(mine, line))
