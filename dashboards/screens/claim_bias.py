"""The Claims page's risk-of-bias hints: for the claim's judged randomised trials, how many
abstracts read low, unclear or high per domain, and the spin flag on each, beside the GRADE
control so the medical director weighs them when setting certainty.

They are hints for the reviewer read by rule from abstracts (labels.appraisal), never an
assessment and never counted as support. PubMed's text is shown in dataframes only.
"""

from __future__ import annotations

import streamlit as st

from claims.registry import load_claims
from claims.state import read_state
from core.claim import Claim
from dashboards.claim_board import BIAS_HINTS_NAME, bias_hint_counts, judged_trials, spin_table
from dashboards.context import Context
from dashboards.data import read_frame
from dashboards.records import article_from_row
from labels.appraisal.appraise import appraise


def render_bias_hints(ctx: Context, claim: Claim) -> None:
    """Risk-of-bias counts per domain and spin flags over the claim's judged trials."""
    st.subheader(f"Risk of bias: {BIAS_HINTS_NAME}")
    state = read_state(ctx.db_path, load_claims(ctx.claims_file), claim_id=claim.claim_id)
    trials = judged_trials(state.evidence.get(claim.claim_id, ()))
    if not trials:
        st.caption("No randomised trial of this claim is judged yet, so there is nothing to hint.")
        return
    frame = read_frame(ctx, "dash_claim_articles", {"pmids": [t.pmid for t in trials]})
    appraisals = [appraise(article_from_row(row)) for row in frame.to_dict("records")]
    st.caption(
        f"For GRADE's risk-of-bias domain: {len(appraisals)} judged randomised trials, each "
        f"domain read from the abstract by rule ({BIAS_HINTS_NAME}, not an assessment; an "
        "abstract that does not say is unclear). GRADE certainty stays the director's call."
    )
    st.dataframe(bias_hint_counts(appraisals), hide_index=True)
    flagged = sum(a.spin is not None for a in appraisals)
    st.markdown(f"**Spin flag** ({BIAS_HINTS_NAME}): {flagged} of {len(appraisals)} judged trials")
    st.dataframe(spin_table(trials, appraisals), hide_index=True)
