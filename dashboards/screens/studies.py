"""Studies: a searchable, sortable list under every filter of the map, linked to PubMed,
the DOI and each study's page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.article import CONDITIONS, FINDINGS, OUTCOMES
from dashboards.context import Context, current_context
from dashboards.data import read_frame
from dashboards.evidence import studies_table
from dashboards.filters import SORTS, Filters, search_params
from dashboards.navigation import page
from dashboards.taxonomy import display
from dashboards.widgets import filter_sidebar, initial_filters, remember_filters, timed_page

LIMIT = 500
SORT_NAMES = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "design": "Strongest design",
    "size": "Largest N",
}
LINKS = {
    "N": st.column_config.NumberColumn("N", help="Participants", format="%d"),
    "Year": st.column_config.NumberColumn("Year", format="%d"),
    "Title": st.column_config.TextColumn("Title", width="large"),
    "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
    "DOI": st.column_config.LinkColumn("DOI", display_text="DOI"),
    "Study": st.column_config.LinkColumn("Study", display_text="Open"),
}


def render() -> None:
    with timed_page("Studies"):
        ctx = current_context()
        st.title("Studies")
        start = initial_filters()
        filters = _filters(ctx, start)
        sort = st.sidebar.selectbox(
            "Sort by", SORTS, format_func=lambda s: SORT_NAMES[s], key="studies.sort"
        )
        status = read_frame(ctx, "dash_data_status")
        any_labelled = int(status["labelled_articles"].iloc[0]) > 0
        labelled_only = st.sidebar.toggle(
            "Classified records only", value=any_labelled, key="studies.labelled_only"
        )
        remember_filters(filters.map_only(), **_extra_query(filters))
        pmids = _search(ctx, filters.text)
        params = filters.studies_params(
            pmids=pmids, sort=sort or "newest", limit=LIMIT, labelled_only=labelled_only
        )
        studies = read_frame(ctx, "dash_studies", params)
        count = filters.count_params(pmids=pmids, labelled_only=labelled_only)
        matches = int(read_frame(ctx, "dash_studies_count", count)["matches"].iloc[0])
        _table(studies, matches)
        _open_study(studies)


def _filters(ctx: Context, start: Filters) -> Filters:
    """The map's filters plus search text, condition, outcome and finding."""
    base = filter_sidebar(ctx, "studies", start)
    text = st.text_input(
        "Search titles and abstracts (up to 4 words, all must occur)",
        value=start.text,
        key="studies.text",
        placeholder="e.g. suicidal ideation",
    )
    left, middle, right = st.columns(3)
    condition = left.selectbox(
        "Condition",
        (None, *CONDITIONS),
        index=_index(CONDITIONS, start.condition),
        format_func=_any,
        key="studies.condition",
    )
    outcome = middle.selectbox(
        "Outcome",
        (None, *OUTCOMES),
        index=_index(OUTCOMES, start.outcome),
        format_func=_any,
        key="studies.outcome",
    )
    finding = right.selectbox(
        "Finding",
        (None, *FINDINGS),
        index=_index(FINDINGS, start.finding),
        format_func=_any,
        key="studies.finding",
    )
    return Filters(
        base.year_from,
        base.year_to,
        base.drugs,
        base.routes,
        base.min_design,
        condition,
        outcome,
        finding,
        text.strip(),
    )


def _index(values: tuple[str, ...], value: str | None) -> int:
    return 0 if value is None else values.index(value) + 1


def _any(value: str | None) -> str:
    return "Any" if value is None else display(value)


def _extra_query(filters: Filters) -> dict[str, str]:
    full = filters.to_query()
    return {k: full[k] for k in ("condition", "outcome", "finding", "text") if k in full}


def _search(ctx: Context, text: str) -> list[str] | None:
    """The PMIDs whose title or abstract holds every word searched for; None: no search."""
    params = search_params(text)
    if params is None:
        return None
    return read_frame(ctx, "dash_search", params)["pmid"].tolist()


def _table(studies: pd.DataFrame, matches: int) -> None:
    shown = f"; the first {len(studies)} shown" if matches > len(studies) else ""
    st.caption(f"{matches:,} studies match{shown}. Click a column header to sort the table.")
    if studies.empty:
        st.info("No studies match these filters.")
        return
    st.dataframe(studies_table(studies), column_config=LINKS, hide_index=True, key="studies.table")


def _open_study(studies: pd.DataFrame) -> None:
    """Pick one of the listed studies and open its page."""
    if studies.empty:
        return
    titles = dict(zip(studies["pmid"], studies["title"].fillna("(no title)"), strict=True))
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    pmid = left.selectbox(
        "Open a study",
        list(titles),
        format_func=lambda p: f"{titles[p]} (PMID {p})",
        key="studies.open",
    )
    right.page_link(
        page("study"),
        label="Open study",
        icon=":material/arrow_forward:",
        query_params={"pmid": pmid},
    )
