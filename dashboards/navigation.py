"""The app's pages, by name, for st.navigation and for links between pages.

Pages are looked up lazily so a page module can link to another without importing it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

# name (= url path and module under dashboards/screens), title, icon
PAGES = (
    ("map", "Evidence map", ":material/grid_on:"),
    ("trends", "Trends", ":material/bar_chart:"),
    ("studies", "Studies", ":material/list:"),
    ("study", "Study", ":material/article:"),
    ("review", "Review queue", ":material/rule:"),
    ("claims", "Claims", ":material/fact_check:"),
    ("pipeline", "Pipeline", ":material/monitor_heart:"),
)
MODULES = {
    "map": "evidence_map",
    "trends": "trends",
    "studies": "studies",
    "study": "study",
    "review": "review_queue",
    "claims": "claims",
    "pipeline": "pipeline",
}


def _runner(name: str) -> Callable[[], None]:
    def run() -> None:
        importlib.import_module(f"dashboards.screens.{MODULES[name]}").render()

    run.__name__ = name
    return run


def page(name: str) -> st.Page:
    """The st.Page of one page; equal url paths make equal pages for links."""
    for key, title, icon in PAGES:
        if key == name:
            return st.Page(_runner(key), title=title, icon=icon, url_path=key, default=key == "map")
    raise KeyError(name)


def all_pages() -> list[st.Page]:
    return [page(key) for key, _, _ in PAGES]
