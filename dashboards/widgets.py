"""Streamlit pieces the pages share: the filter sidebar, the readiness guard, data time and
who is signed in (``Identity`` and ``current_identity`` live in dashboards.auth)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import streamlit as st

from core.article import DESIGNS, ROUTES
from dashboards.auth import Identity, current_identity
from dashboards.context import Context
from dashboards.data import ensure_ready, file_stamp, read_frame
from dashboards.filters import Filters
from dashboards.inert import escape_markdown
from dashboards.taxonomy import ON_TOPIC_DRUGS, display

__all__ = ["Identity", "current_identity"]  # importable from here, as the pages do

FILTERS_KEY = "dash_filters"  # the last filters used, carried between pages in a session
MIN_DESIGN_CHOICES = (None, *DESIGNS[:6])  # "or stronger" stops at preclinical


def initial_filters() -> Filters:
    """Filters from the URL when it names any, else the ones last used in this session."""
    from_url = Filters.from_query(st.query_params.to_dict())
    if from_url != Filters():
        return from_url
    return st.session_state.get(FILTERS_KEY, Filters())


def remember_filters(filters: Filters, **extra: str) -> None:
    """Keep the filters for other pages and put them in the URL, so views can be shared."""
    st.session_state[FILTERS_KEY] = filters
    st.query_params.from_dict({**filters.to_query(), **extra})


def filter_sidebar(ctx: Context, page: str, start: Filters) -> Filters:
    """The map's filters (years, drug, route, minimum design) in the sidebar."""
    bar = st.sidebar
    bar.header("Filters")
    years = read_frame(ctx, "dash_year_range")
    first, last = years["first_year"].iloc[0], years["last_year"].iloc[0]
    year_from = year_to = None
    if first is not None and last is not None and int(first) < int(last):
        first, last = int(first), int(last)
        low = max(first, min(start.year_from or first, last))
        high = min(last, max(start.year_to or last, low))
        low, high = bar.slider("Years", first, last, (low, high), key=f"{page}.years")
        year_from = low if low > first else None
        year_to = high if high < last else None
    drugs = bar.multiselect(
        "Drug",
        ON_TOPIC_DRUGS,
        default=list(start.drugs),
        format_func=display,
        placeholder="any",
        key=f"{page}.drugs",
    )
    routes = bar.multiselect(
        "Route",
        ROUTES,
        default=list(start.routes),
        format_func=display,
        placeholder="any",
        key=f"{page}.routes",
    )
    min_design = bar.selectbox(
        "Minimum design",
        MIN_DESIGN_CHOICES,
        index=MIN_DESIGN_CHOICES.index(start.min_design),
        format_func=lambda d: "Any design" if d is None else f"{display(d)} or stronger",
        key=f"{page}.min_design",
    )
    return Filters(year_from, year_to, tuple(drugs), tuple(routes), min_design)


def guard(ctx: Context) -> bool:
    """Whether there is data to show; otherwise say why, never as an error trace."""
    state = ensure_ready(ctx)
    if state == "busy":
        st.info(
            "The nightly job is updating the warehouse and the dashboards' views are not "
            "published yet. They will be when it finishes; reload this page in a few minutes."
        )
    elif state == "missing":
        st.info(
            f"No evidence warehouse at {escape_markdown(ctx.db_path)} yet. Run "
            "`ketamine-evidence demo` (bundled records) or `ketamine-evidence ingest`, then reload."
        )
    return state == "ready"


def data_time_caption(ctx: Context) -> None:
    """When the data shown was published and loaded, in the sidebar."""
    stamp = file_stamp(ctx.snapshot)
    if stamp is None:
        return
    published = datetime.fromtimestamp(ctx.snapshot.stat().st_mtime, UTC)
    status = read_frame(ctx, "dash_data_status")
    loaded = status["last_completed_at"].iloc[0]
    text = f"Data published {published:%Y-%m-%d %H:%M} UTC"
    if loaded is not None and str(loaded) != "NaT":
        text += f" · last nightly load {loaded:%Y-%m-%d %H:%M} UTC"
    st.sidebar.caption(text)


@contextmanager
def timed_page(name: str) -> Iterator[None]:
    """Time a page's render and note it at the bottom (the 2 s budget is checked in tests)."""
    started = time.perf_counter()
    yield
    st.caption(f"{name} rendered in {time.perf_counter() - started:.2f} s")


ROLE_NAMES = {"reviewer": "reviewer", "director": "medical director"}


def identity_panel(ctx: Context) -> Identity:
    """Who is signed in and may do what, with sign-in and sign-out, in the sidebar; a
    session that may not write says why at the top of the page."""
    identity = current_identity(ctx)
    bar = st.sidebar
    who = escape_markdown(identity.email or "")
    roles = " and ".join(ROLE_NAMES[r] for r in ("reviewer", "director") if r in identity.roles)
    if identity.source == "demo":
        bar.warning(
            f"**Demo identity, local only**: {who}, {roles}. Anyone at this computer may "
            "correct labels and decide claims; configure a sign-in before sharing the app.",
            icon=":material/person:",
        )
    elif identity.email:
        via = "the clinic's sign-in proxy" if identity.source == "proxy" else "sign-in"
        bar.caption(f"Signed in as {who} through {via}" + (f": {roles}." if roles else "."))
    if identity.needs_login:
        bar.caption("Reading only. Sign in to correct labels or decide claims.")
        bar.button("Sign in", on_click=st.login, key="auth.sign_in", icon=":material/login:")
    if identity.source == "oidc":
        bar.button("Sign out", on_click=st.logout, key="auth.sign_out", icon=":material/logout:")
    if identity.problem:
        st.warning(escape_markdown(identity.problem), icon=":material/lock:")
    return identity
