"""The Claims page's stated effects: a forest-style plot of the effects the counted studies'
abstracts state, one panel per measure kind (a mean difference per rating scale), each row a
study and effect with its CI as stated, and a null line; the sentence behind each on hover.

Effects as stated, for the reviewer's judgement: nothing pooled, no interval derived
(dashboards.forest sorts, never computes). Effects that no other counted study's effect can
stand beside are listed under the plot, not drawn. PubMed's text goes into the chart's data
and dataframes only, never into Markdown.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from claims.registry import load_claims
from claims.state import read_state
from claims.support import counted
from core.claim import Claim
from dashboards.context import Context
from dashboards.data import CACHE_TTL_SECONDS, data_stamp, file_stamp, read_frame
from dashboards.forest import (
    MIN_STUDIES,
    EffectGroup,
    Forest,
    forest_frame,
    group_effects,
    listed_frame,
    study_effects,
)
from dashboards.records import article_from_row

SECTION_KEY = "claim-effects"  # the section's container: st-key-claim-effects in the page
STATED_CAPTION = (
    "Effects as stated in the abstracts of the counted studies, read by rule, for the "
    "reviewer's judgement: nothing is pooled or computed and no interval is derived. Each "
    "panel holds one kind of measure (a mean difference on one rating scale) with its null "
    "line; a point without a bar is an effect whose abstract states no CI. Hover a point "
    "for the sentence it came from."
)
NOTHING_COMPARABLE = (
    f"No plot: no kind of effect is stated by {MIN_STUDIES} or more counted studies, so "
    "nothing here can stand on one axis."
)


def render_stated_effects(ctx: Context, claim: Claim) -> None:
    """The forest-style plot of the claim's counted studies, and the effects not drawn."""
    st.subheader("Stated effects")
    stamp = (data_stamp(ctx), file_stamp(ctx.db_path), file_stamp(ctx.claims_file))
    studies, forest = _stated_effects(ctx, claim, claim.claim_id, str(ctx.db_path), stamp)
    with st.container(key=SECTION_KEY):
        if not studies:
            st.caption("No study counts for this claim yet, so there is no effect to show.")
            return
        st.caption(STATED_CAPTION)
        if not forest.groups:
            st.caption(NOTHING_COMPARABLE)
        for group in forest.groups:
            st.altair_chart(forest_chart(group))
        if forest.listed:
            st.markdown(f"**Stated but not drawn** ({len(forest.listed)}): not comparable")
            st.dataframe(listed_frame(forest.listed), hide_index=True)
        if forest.silent:
            st.caption(
                f"{len(forest.silent)} of {studies} counted studies state no effect "
                f"the robots read: PMID {', '.join(forest.silent)}."
            )


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_TTL_SECONDS)
def _stated_effects(
    _ctx: Context, _claim: Claim, claim_id: str, db: str, stamp: object
) -> tuple[int, Forest]:
    """How many studies count, and their effects sorted into panels; read again whenever the
    snapshot, the app's file (judgements not merged yet) or the registry changes."""
    state = read_state(_ctx.db_path, load_claims(_ctx.claims_file), claim_id=claim_id)
    studies = counted(state.evidence.get(claim_id, ()), _claim.evidence)
    if not studies:
        return 0, group_effects(())
    frame = read_frame(_ctx, "dash_claim_articles", {"pmids": [e.pmid for e in studies]})
    articles = {a.pmid: a for a in map(article_from_row, frame.to_dict("records"))}
    inputs = [study_effects(e, articles[e.pmid]) for e in studies if e.pmid in articles]
    return len(studies), group_effects(inputs)


def forest_chart(group: EffectGroup) -> alt.LayerChart:
    """One panel: a row per study and effect, point and stated CI, dashed null line."""
    frame = forest_frame(group)
    # padding keeps the null line, often at the domain's end, clear of the edge
    x_scale = alt.Scale(type="log" if group.log else "linear", zero=False, nice=False, padding=16)
    axis_title = f"{group.title} ({'null at 1, log scale' if group.log else 'null at 0'})"
    base = alt.Chart(frame).encode(
        y=alt.Y("row:N", title=None, sort=list(frame["row"]), axis=alt.Axis(labelLimit=520))
    )
    tooltip = [
        alt.Tooltip("row:N", title="Study"),
        alt.Tooltip("stated:N", title="Stated"),
        *([alt.Tooltip("scale:N", title="Scale")] if frame["scale"].any() else []),
        alt.Tooltip("sentence:N", title="Sentence"),
    ]
    bars = (
        base.transform_filter("isValid(datum.lo) && isValid(datum.hi)")
        .mark_rule(strokeWidth=2, color="#0072B2")
        .encode(x=alt.X("lo:Q", scale=x_scale, title=axis_title), x2="hi:Q", tooltip=tooltip)
    )
    points = base.mark_point(filled=True, size=70, color="#0072B2", opacity=1).encode(
        x=alt.X("estimate:Q", scale=x_scale), tooltip=tooltip
    )
    null = (
        alt.Chart(alt.Data(values=[{"null": group.null}]))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x=alt.X("null:Q", scale=x_scale))
    )
    return (
        alt.layer(null, bars, points)
        .properties(title=group.title, height=alt.Step(30))
        .configure_title(anchor="start")
    )
