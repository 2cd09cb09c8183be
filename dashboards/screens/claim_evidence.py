"""The Claims page's judged evidence: the claim's kind, its evidence split by drug form with
the support and regulatory note of each, the candidates ranked for judging with the machine's
suggestion shown apart (never counted), and a judgement form per candidate for reviewers and
medical directors, saved through ``claims.judgements.judge`` as ``claims judge`` does.

Support counts studies a person judged, nothing else. Every text from PubMed or people is
shown as text (st.text, dataframes) or escaped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import streamlit as st

from claims.judgements import JudgementRefused, judge
from claims.ranking import Candidate, rank_candidates
from claims.registry import load_claims
from claims.state import read_state
from claims.support import preclinical_only, summarise
from core.claim import VERDICTS, Claim, Evidence
from dashboards.claim_board import (
    VERDICT_NAMES,
    candidate_line,
    form_rows,
    judged_line,
    judged_table,
    kind_line,
    suggestion_line,
)
from dashboards.context import Context
from dashboards.inert import escape_markdown
from dashboards.widgets import Identity, current_identity

CANDIDATES_SHOWN = 10  # the top of the ranking; judging them brings the next ones up
Redraw = Callable[[str, str], None]


def render_judged_evidence(
    ctx: Context, claim: Claim, identity: Identity, generation: int, redraw: Redraw
) -> None:
    """Kind, forms, judged studies and the candidates to judge, for one claim."""
    state = read_state(ctx.db_path, load_claims(ctx.claims_file), claim_id=claim.claim_id)
    evidence = list(state.evidence.get(claim.claim_id, ()))
    summary = summarise(claim, evidence)
    st.subheader("Judged evidence")
    _kind(claim, preclinical_only(evidence, claim.evidence))
    st.caption(
        "Support counts only studies a reviewer or the medical director judged; the labels "
        f"only propose candidates. {summary.unjudged} of {summary.candidates} candidate "
        "studies are unjudged."
    )
    _forms(claim, evidence, summary.by_form)
    judged = judged_table(evidence)
    if not judged.empty:
        st.markdown("**Judged studies**")
        st.dataframe(judged, hide_index=True)
    _candidates(ctx, claim, evidence, identity, generation, redraw)
    st.caption(
        "A study the queries missed is added from the command line (it is fetched from "
        "PubMed and labelled): "
        + escape_markdown(f"ketamine-evidence claims add {claim.claim_id} PMID --by EMAIL")
    )


def _kind(claim: Claim, preclinical: bool) -> None:
    st.markdown(f"**Kind.** {escape_markdown(kind_line(claim.kind))}")
    if claim.kind == "mechanism" or preclinical:
        st.info(
            "Laboratory evidence, not a health claim: preclinical work says how ketamine may "
            "act, never what patients will feel.",
            icon=":material/science:",
        )
    if claim.beyond_label:
        st.warning(
            f"Beyond the label: {escape_markdown(claim.beyond_label)}", icon=":material/policy:"
        )


def _forms(claim: Claim, evidence: Sequence[Evidence], by_form: dict[str, str]) -> None:
    rows = form_rows(claim, evidence, by_form)
    if not rows:
        return
    st.markdown("**By form**")
    for col, row in zip(st.columns(len(rows)), rows, strict=True):
        with col.container(border=True):
            st.markdown(f"**{escape_markdown(row['name'])}**")
            st.metric("Support", row["support"], label_visibility="collapsed")
            st.caption(
                f"{judged_line(row['judged'])}; {row['unjudged']} unjudged",
            )
            if row["regulatory"]:
                st.text(row["regulatory"])


def _candidates(
    ctx: Context,
    claim: Claim,
    evidence: Sequence[Evidence],
    identity: Identity,
    generation: int,
    redraw: Redraw,
) -> None:
    ranked = rank_candidates(claim, evidence)
    st.markdown(f"**Candidates to judge** ({len(ranked)} unjudged, the most useful first)")
    if not ranked:
        st.caption("Every candidate is judged.")
        return
    if not identity.can_correct:
        why = identity.problem or "Reviewers and medical directors judge studies."
        st.caption(escape_markdown(why))
    by_pmid = {e.pmid: e for e in evidence}
    for candidate in ranked[:CANDIDATES_SHOWN]:
        e = by_pmid[candidate.pmid]
        with st.container(border=True):
            st.text(e.title or f"PMID {e.pmid}")
            st.caption(escape_markdown(candidate_line(e)))
            st.text(suggestion_line(candidate.suggested, candidate.why))
            st.markdown(f"[Open the study](study?pmid={e.pmid})")
            if identity.can_correct:
                _judgement_form(ctx, claim, candidate, generation, redraw)
    if len(ranked) > CANDIDATES_SHOWN:
        st.caption(f"{len(ranked) - CANDIDATES_SHOWN} more; judging these brings them up.")


def _judgement_form(
    ctx: Context, claim: Claim, candidate: Candidate, generation: int, redraw: Redraw
) -> None:
    key = f"claims.judge.{claim.claim_id}.{candidate.pmid}.{generation}"
    with st.form(key):
        verdict = st.radio(
            "Judgement",
            list(VERDICTS),
            index=None,
            format_func=lambda v: VERDICT_NAMES[v],
            horizontal=True,
            key=f"{key}.verdict",
        )
        note = st.text_input("Note (why, for the record)", key=f"{key}.note")
        submitted = st.form_submit_button("Save judgement")
    if submitted:
        _save(ctx, claim, candidate.pmid, verdict, note, redraw)


def _save(
    ctx: Context, claim: Claim, pmid: str, verdict: str | None, note: str, redraw: Redraw
) -> None:
    who = current_identity(ctx)  # asked again at submit: the form may be older than a role
    if not who.can_correct or not who.email:
        why = who.problem or "only reviewers and medical directors judge studies"
        st.error(f"Not saved: {escape_markdown(why)}.")
        return
    if verdict is None:
        st.error("Not saved: choose supports, contradicts, mixed or not relevant.")
        return
    settings = dataclasses.replace(ctx.settings, db_path=ctx.db_path, claims_file=ctx.claims_file)
    try:
        done = judge(
            ctx.db_path,
            claim_id=claim.claim_id,
            pmid=pmid,
            verdict=verdict,
            by=who.email,
            note=note,
            settings=settings,
        )
    except JudgementRefused as exc:
        st.error(f"Not saved: {escape_markdown(exc)}.")
        return
    except BlockingIOError:
        st.warning("Not saved: the app's file is busy; judge again in a moment.")
        return
    where = (
        "it is merged into the warehouse"
        if done.merged
        else "it counts now and the nightly job merges it into the warehouse"
    )
    redraw(
        f"PMID {pmid} judged {VERDICT_NAMES[verdict]} for {claim.claim_id} by "
        f"{done.judgement.reviewer}; {where}.",
        "success",
    )
