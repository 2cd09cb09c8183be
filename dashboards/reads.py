"""Which marts the app reads from where: the names data.py routes and the bench times.

Kept apart from data.py so the benchmark can import them without Streamlit.
"""

from __future__ import annotations

# Marts the app holds in memory per stamp: what the map, trends, list and pipeline filter,
# and the claims' status, alerts and decisions (one row per claim, alert or decision).
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
    "claim_overview",
    "claim_alerts_recent",
    "claim_history",
    "dash_review_status",
)
# Reads that go to the snapshot file itself: one study's full record, the text search, one
# claim's matching studies (a regex join over every article) and its citations' records.
FILE_READS = frozenset(
    {"dash_study", "dash_search", "dash_views", "dash_claim_studies", "dash_claim_articles"}
)
# The marts the pages read: a snapshot published before they existed is republished.
DASH_VIEWS = (
    *COPIED,
    "dash_articles",
    "dash_studies",
    "dash_search_text",
    "dash_search_docs",
    "dash_search_vocab",
    "dash_search_postings",
    "dash_search_article_text",
    "claim_evidence",
)
