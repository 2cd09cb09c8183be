"""The evidence dashboards: ``streamlit run dashboards/app.py -- --db warehouse/evidence.duckdb``.

Reads the warehouse's published snapshot (never the live file) and keeps reviewers'
corrections in a small file of its own; see dashboards/README.md.
"""

from __future__ import annotations

import streamlit as st

from dashboards.context import current_context
from dashboards.data import sync_pending
from dashboards.navigation import all_pages
from dashboards.widgets import data_time_caption, guard, identity_panel


def main() -> None:
    # An emoji icon is drawn in the page; a :material/…: one is fetched from Google's fonts.
    st.set_page_config(page_title="Ketamine evidence", page_icon="🧪", layout="wide")
    current = st.navigation(all_pages())
    ctx = current_context()
    identity_panel(ctx)  # who is signed in; a session that may not write says so on each page
    if guard(ctx):
        sync_pending(ctx)  # merge corrections the nightly job held off, when the file is free
        data_time_caption(ctx)
        current.run()


main()
