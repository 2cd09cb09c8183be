"""Which marts the app reads from where: the names data.py routes and the bench times.

Kept apart from data.py so the benchmark can import them without Streamlit.
"""

from __future__ import annotations

# Marts the app holds in memory per stamp: what the map, trends, list and pipeline filter.
COPIED = (
    "dash_study_list",
    "dash_condition_studies",
    "dash_evidence_cells",
    "dash_pending_corrections",
    "dash_corrections",
    "dash_model_versions",
    "dash_data_status",
    "runs_recent",
    "quarantine_recent",
)
# Reads that go to the snapshot file itself: one study's full record, the text search.
FILE_READS = frozenset({"dash_study", "dash_search", "dash_views"})
# The marts the pages read: a snapshot published before they existed is republished.
DASH_VIEWS = (*COPIED, "dash_articles", "dash_studies", "dash_search_text")
