"""Claims: what the clinic's site may say and the evidence behind each claim. The medical
director acknowledges alerts and approves, edits or withdraws a claim or sets its GRADE
certainty (who, when and why kept forever); reviewers and directors judge candidate studies
(dashboards.screens.claim_evidence), the only evidence that counts; writers see which claims
are approved, with their wording, and take each claim's recommended citations in AMA style,
RIS, BibTeX or CSL-JSON."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import streamlit as st

from claims.citations import doi_url, format_ama, pubmed_url, to_bibtex, to_csl_json, to_ris
from claims.decisions import (
    Decision,
    DecisionRefused,
    StaleDecision,
    decide,
    form_state,
    new_alert_ack,
)
from claims.registry import standing_approval
from core.article import Article
from core.claim import GRADE_LEVELS, NEEDS_OVERRIDE, Claim, ClaimEvent, Shown
from dashboards.charts import claim_evidence_chart
from dashboards.claim_board import (
    GRADE_NAMES,
    STATUS_NAMES,
    SUPPORT_NAMES,
    acknowledged_alerts,
    claims_table,
    current_claims,
    design_finding_frame,
    highlight_table,
    history_events,
    history_table,
    open_alerts,
    parse_pmids,
    query_in_words,
    unmerged,
)
from dashboards.context import Context, current_context
from dashboards.data import claim_decisions, claims_registry, merge_now, read_frame
from dashboards.evidence import claim_verified
from dashboards.inert import escape_markdown
from dashboards.records import article_from_row, plain
from dashboards.screens.claim_bias import render_bias_hints
from dashboards.screens.claim_effects import render_stated_effects
from dashboards.screens.claim_evidence import render_judged_evidence
from dashboards.taxonomy import display
from dashboards.widgets import Identity, current_identity, timed_page
from warehouse.inbox import save_alert_ack

FLASH_KEY = "claims.flash"
GENERATION_KEY = "claims.saved"  # decisions saved or refused in this session: renews the forms
SHOWN_KEY = "claims.shown"  # + the form's key: the claim as that form showed it when drawn
ACTIONS = {
    "approve": "Approve",
    "edit": "Edit wording",
    "withdraw": "Withdraw",
    "grade": "Set GRADE certainty",
}
DONE = {"approve": "approved", "edit": "edited (draft until approved)", "withdraw": "withdrawn"}
LINKS = {
    "Wording": st.column_config.TextColumn("Wording", width="large"),
    "Why": st.column_config.TextColumn("Why", width="large"),
    "Title": st.column_config.TextColumn("Title", width="large"),
    "Citation (AMA)": st.column_config.TextColumn("Citation (AMA)", width="large"),
    "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
    "DOI": st.column_config.LinkColumn("DOI", display_text="DOI"),
    "Study": st.column_config.LinkColumn("Study", display_text="Open"),
    "Year": st.column_config.NumberColumn("Year", format="%d"),
    "N": st.column_config.NumberColumn("N", help="Participants", format="%d"),
}


def render() -> None:
    with timed_page("Claims"):
        ctx = current_context()
        st.title("Claims")
        overview = read_frame(ctx, "claim_overview")
        if overview.empty:
            st.info("No claim's support is computed yet: the nightly job does it after a load.")
            return
        merged = history_events(read_frame(ctx, "dash_claim_history"))
        saved, acks = claim_decisions(ctx)
        pending = unmerged(saved, merged)
        claims = current_claims(claims_registry(ctx), [*merged, *pending])
        alerts = read_frame(ctx, "dash_claim_alerts")
        still_open = open_alerts(alerts, acks)
        identity = current_identity(ctx)
        if flash := st.session_state.pop(FLASH_KEY, None):
            kind, text = flash
            (st.success if kind == "success" else st.warning)(_md(text))
        events = [*merged, *pending]
        _approved(claims, events)
        st.subheader("All claims")
        table = claims_table(claims, overview, still_open)
        # Tall enough for every claim: writers scan the whole list for what is approved.
        st.dataframe(table, hide_index=True, column_config=LINKS, height=35 * len(table) + 38)
        _alerts(ctx, still_open, acknowledged_alerts(alerts, acks), identity)
        claim = _chosen(claims)
        rows = overview[overview["claim_id"] == claim.claim_id].to_dict("records")
        _detail(ctx, claim, rows[0] if rows else None)
        generation = st.session_state.get(GENERATION_KEY, 0)
        render_judged_evidence(ctx, claim, identity, generation, _redraw)
        render_stated_effects(ctx, claim)
        render_bias_hints(ctx, claim)  # beside the GRADE control in the form below
        _decision_form(ctx, claim, identity)
        _history(claim, merged, pending)


def _md(text: Any) -> str:
    """Text from people or PubMed inside Markdown, shown exactly as written."""
    return escape_markdown("" if text is None else text)


def _approved(claims: list[Claim], events: list[ClaimEvent]) -> None:
    """What the site may say: the approved claims and their wording, first, for writers."""
    st.subheader("Approved: what the site may say")
    approved = [c for c in claims if c.status == "approved"]
    if not approved:
        st.caption("No claim is approved yet, so the site may make none of them.")
    ordered = sorted(events, key=lambda e: (e.decided_at, e.event_id or 0))
    for claim in approved:
        with st.container(border=True):
            st.markdown(f"**{_md(claim.claim_id)}** may say:")
            st.text(claim.wording)  # as written: never read as Markdown
            st.caption(f"Cited PMIDs: {', '.join(claim.cited_pmids) or 'none'}")
            approval = standing_approval(claim.claim_id, ordered)
            if approval is not None and approval.override_reason:
                st.text(f"Approved over the evidence, by override: {approval.override_reason}")


def _alerts(ctx: Context, still_open: pd.DataFrame, acked: pd.DataFrame, who: Identity) -> None:
    st.subheader("Open alerts")
    if still_open.empty:
        st.caption("No open alerts: nothing new bears on an approved claim.")
    for alert in still_open.to_dict("records"):
        with st.container(border=True):
            raised = pd.Timestamp(alert["created_at"]).strftime("%Y-%m-%d")
            st.markdown(
                f"**{_md(alert['claim_id'])}** · {display(alert['kind'])} · raised {raised}"
            )
            st.text(alert["detail"])
            if plain(alert["pmid"]):
                st.markdown(f"[Open the study](study?pmid={alert['pmid']})")
            _ack_form(ctx, alert["alert_id"], who)
    if not acked.empty:
        with st.expander(f"Acknowledged alerts ({len(acked)})"):
            st.dataframe(acked, hide_index=True)


def _ack_form(ctx: Context, alert_id: str, who: Identity) -> None:
    if not who.can_approve:
        st.caption(_md(who.problem or "Medical directors acknowledge alerts."))
        return
    with st.form(f"claims.ack.{alert_id}"):
        st.caption(f"Medical director: {_md(who.email)}")
        note = st.text_input("Note (optional)", key=f"claims.ack.note.{alert_id}")
        submitted = st.form_submit_button("Acknowledge")
    if submitted:
        now = current_identity(ctx)  # asked again at submit: the form may be older than a role
        if not now.can_approve or not now.email:
            st.error(f"Not saved: {_md(now.problem or 'only medical directors acknowledge')}.")
            return
        try:
            save_alert_ack(ctx.db_path, new_alert_ack(alert_id, now.email, note))
        except ValueError as exc:
            st.error(f"Not saved: {exc}.")
            return
        except BlockingIOError:
            st.warning("Not saved: the app's file is busy; acknowledge again in a moment.")
            return
        merged = merge_now(ctx) is not None
        _redraw(f"Alert acknowledged by {now.email}; {_where(merged)}.")


def _chosen(claims: list[Claim]) -> Claim:
    """The claim picked (kept in the URL as ?claim=…, so a claim can be linked to).

    Labelled by id and wording, not status: the box keeps the labels it first drew.
    """
    st.divider()
    ids = [c.claim_id for c in claims]
    wanted = st.query_params.get("claim")
    by_id = {c.claim_id: c for c in claims}
    claim_id = st.selectbox(
        "Claim",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda c: f"{c}: {by_id[c].wording[:70]}",
        key="claims.claim",
    )
    st.query_params["claim"] = claim_id
    return by_id[claim_id]


def _detail(ctx: Context, claim: Claim, row: dict[str, Any] | None) -> None:
    """The claim's wording, evidence query, support, highlights and citations."""
    st.header(_md(claim.wording))
    grade = GRADE_NAMES.get(claim.grade or "", "not set")
    st.markdown(f"**{STATUS_NAMES[claim.status]}** · GRADE certainty: {grade} · {_md(claim.page)}")
    st.markdown(f"**Evidence query.** {query_in_words(claim.evidence)}")
    if row is None:
        st.info("This claim's support is not computed yet: the next nightly run does it.")
        return
    counts = json.loads(row["counts_by_design"])
    cols = st.columns(4)
    cols[0].metric("Support", SUPPORT_NAMES.get(row["support"], row["support"]))
    level = plain(row["cebm_level"]) or "—"
    cols[1].metric("CEBM level", level, help="Oxford CEBM 2011, of the best backing study")
    cols[2].metric("Studies", sum(counts.values()))
    cols[3].metric("Participants", f"{int(row['participants']):,}")
    studies = read_frame(ctx, "dash_claim_studies", {"claim_id": claim.claim_id})
    if studies.empty:
        st.caption("No study matches this claim's evidence query yet.")
    else:
        verified = claim_verified(studies, read_frame(ctx, "dash_verified_pmids"))
        st.caption(f"Of the studies this claim's query matches: {verified.text}.")
        st.altair_chart(claim_evidence_chart(design_finding_frame(studies)))
    if retracted := plain(row["retracted"]):
        st.warning(f"Retracted, not counted: PMID {', '.join(retracted)}.")
    left, right = st.columns(2)
    left.markdown("**Strongest studies**")
    left.dataframe(highlight_table(plain(row["strongest"]), studies), **_table_args())
    right.markdown("**Newest studies**")
    right.dataframe(highlight_table(plain(row["newest"]), studies), **_table_args())
    _citations(ctx, claim, plain(row["recommended"]) or [])


def _table_args() -> dict[str, Any]:
    return {"hide_index": True, "column_config": LINKS}


def _citations(ctx: Context, claim: Claim, recommended: list[str]) -> None:
    st.subheader("Recommended citations")
    st.caption("Studies that back the claim, none retracted or under concern; strongest first.")
    if not recommended:
        st.caption("None yet.")
        return
    frame = read_frame(ctx, "dash_claim_articles", {"pmids": recommended})
    found = {a.pmid: a for a in map(article_from_row, frame.to_dict("records"))}
    articles = [found[p] for p in recommended if p in found]
    st.dataframe(_citation_rows(articles), **_table_args())
    st.code(
        "\n".join(f"{n}. {format_ama(a)}" for n, a in enumerate(articles, 1)),
        language=None,
        wrap_lines=True,
    )
    exports = (
        ("RIS", to_ris(articles), "ris", "application/x-research-info-systems"),
        ("BibTeX", to_bibtex(articles), "bib", "application/x-bibtex"),
        ("CSL-JSON", json.dumps(to_csl_json(articles), indent=2, ensure_ascii=False), "json",
         "application/vnd.citationstyles.csl+json"),
    )  # fmt: skip
    for col, (name, data, ext, mime) in zip(st.columns(3), exports, strict=True):
        col.download_button(
            f"Download {name}",
            data,
            file_name=f"{claim.claim_id}.{ext}",
            mime=mime,
            on_click="ignore",
            key=f"claims.export.{ext}",
        )


def _citation_rows(articles: list[Article]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Citation (AMA)": format_ama(a), "PubMed": pubmed_url(a), "DOI": doi_url(a)}
            for a in articles
        ],
        columns=["Citation (AMA)", "PubMed", "DOI"],
    )


def _decision_form(ctx: Context, claim: Claim, who: Identity) -> None:
    """Approve (wording and citations), edit, withdraw or set GRADE; a reason is required.

    Offered to medical directors only. The form keeps the claim as it showed it, and the
    decision is refused if that has changed by the time it is submitted.
    """
    st.subheader("Decide")
    st.caption("GRADE certainty is the medical director's judgement; the software never sets it.")
    if not who.can_approve:
        if who.needs_login:
            st.caption("Medical directors sign in to decide on claims.")
        else:
            st.caption(_md(who.problem or "Only medical directors decide on claims."))
        return
    action = st.radio(
        "Decision", list(ACTIONS), format_func=ACTIONS.get, horizontal=True, key="claims.action"
    )
    form = f"{claim.claim_id}.{action}.{st.session_state.get(GENERATION_KEY, 0)}"
    shown = _shown(ctx, claim.claim_id, form)
    wording = grade = override = None
    cited: list[str] | None = None
    with st.form(f"claims.decision.{form}"):
        st.caption(f"Medical director: {_md(who.email)}")
        st.caption(
            f"Deciding on the claim as it stands: {SUPPORT_NAMES[shown.support].lower()} "
            f"support from {shown.studies} studies."
        )
        if action in ("approve", "edit"):
            wording = st.text_area("Wording", value=shown.wording, key=f"claims.wording.{form}")
            start = shown.cited_pmids if action == "approve" else claim.cited_pmids
            text = st.text_input(
                "Cited PMIDs (comma-separated, in the order the site lists them)",
                value=", ".join(start),
                key=f"claims.cited.{form}",
            )
            cited = parse_pmids(text)
        if action == "approve" and shown.support in NEEDS_OVERRIDE:
            override = st.text_area(
                f"Override: the evidence is {shown.support}; say why the claim may still be made",
                key=f"claims.override.{form}",
            )
        if action == "grade":
            grade = st.selectbox(
                "GRADE certainty",
                list(GRADE_LEVELS),
                index=GRADE_LEVELS.index(claim.grade) if claim.grade in GRADE_LEVELS else None,
                format_func=lambda level: GRADE_NAMES.get(level, level),
                key=f"claims.grade.{form}",
            )
        reason = st.text_area(
            "Reason", key=f"claims.reason.{form}", placeholder="Why, for the record"
        )
        submitted = st.form_submit_button(ACTIONS[action], type="primary")
    if submitted:
        values = {"wording": wording, "cited_pmids": cited, "grade": grade, "override": override}
        _decide(ctx, claim, action, reason, shown, values)


def _shown(ctx: Context, claim_id: str, form: str) -> Shown:
    """The claim as this form shows it: captured when the form is first drawn, then kept."""
    key = f"{SHOWN_KEY}.{form}"
    if key not in st.session_state:
        st.session_state[key] = form_state(ctx.db_path, claim_id, claims_file=ctx.claims_file)
    shown: Shown = st.session_state[key]
    return shown


def _decide(
    ctx: Context, claim: Claim, action: str, reason: str, shown: Shown, values: dict[str, Any]
) -> None:
    who = current_identity(ctx)  # asked again at submit: the form may be older than a role
    if not who.can_approve or not who.email:
        st.error(f"Not saved: {_md(who.problem or 'only medical directors decide on claims')}.")
        return
    settings = dataclasses.replace(ctx.settings, db_path=ctx.db_path, claims_file=ctx.claims_file)
    try:
        done = decide(
            ctx.db_path,
            claim_id=claim.claim_id,
            action=action,
            by=who.email,
            reason=reason,
            shown=shown,
            channel="dashboard",
            settings=settings,
            **values,
        )
    except StaleDecision as exc:
        st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
        _redraw(f"Not saved: {exc}. The form now shows the claim as it stands.", "warning")
    except DecisionRefused as exc:
        st.error(f"Not saved: {_md(exc)}.")
    except BlockingIOError:
        st.warning("Not saved: the app's file is busy. Your entry is still in the form; submit "
                   "it again in a moment.")  # fmt: skip
    else:
        _decided(claim, action, done, values.get("grade"))


def _decided(claim: Claim, action: str, done: Decision, grade: str | None) -> None:
    what = DONE.get(action) or f"given GRADE certainty {GRADE_NAMES[grade or '']}"
    text = f"Claim {claim.claim_id} {what} by {done.event.reviewer}; {_where(done.merged)}."
    if done.site is not None:
        text += " The public pages are republished."
    if done.site_error:
        _redraw(f"{text} The public pages were not republished: {done.site_error}", "warning")
    _redraw(text)


def _where(merged: bool) -> str:
    if merged:
        return "it is merged into the warehouse"
    return "it shows now and the nightly job merges it into the warehouse"


def _redraw(text: str, kind: str = "success") -> None:
    """Say what happened on the next run, with fresh forms, and rerun now."""
    st.session_state[FLASH_KEY] = (kind, text)
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
    st.rerun()


def _history(claim: Claim, merged: list[ClaimEvent], pending: list[ClaimEvent]) -> None:
    st.subheader("History")
    history = history_table(claim.claim_id, merged, pending)
    if history.empty:
        st.caption("No decision on this claim yet: it stands as the registry wrote it.")
        return
    st.dataframe(history, hide_index=True, column_config=LINKS)
