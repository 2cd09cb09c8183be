"""Study: one study's abstract, labels with their confidence and model version, key finding,
retraction or concern banner, AMA citation to copy, and the form to correct a label."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from claims.citations import format_ama
from core.article import Article
from dashboards.context import Context, current_context
from dashboards.data import merge_now, read_frame
from dashboards.evidence import DOI, PUBMED
from dashboards.inert import escape_markdown, table_html, text_html
from dashboards.records import (
    article_from_row,
    bias_table,
    corrections_in_effect,
    corrections_table,
    effects_table,
    grants_table,
    label_rows,
    notice_links,
    record_byline,
    registry_link,
)
from dashboards.taxonomy import display
from dashboards.widgets import Identity, current_identity, timed_page
from labels.appraisal.appraise import appraise
from labels.corrections import CHOICE_FIELDS, CORRECTABLE_FIELDS, LIST_FIELDS, new_correction
from warehouse.inbox import save_correction

FLASH_KEY = "study.flash"
GENERATION_KEY = "study.saved"  # corrections saved in this session: renews the form


def render() -> None:
    with timed_page("Study"):
        ctx = current_context()
        pmid = _chosen_pmid()
        if not pmid:
            return
        rows = read_frame(ctx, "dash_study", {"pmid": pmid})
        if rows.empty:
            st.warning(f"No live study with PMID {pmid} in the warehouse.")
            return
        article = article_from_row(rows.to_dict("records")[0])
        corrections = read_frame(ctx, "dash_study_corrections", {"pmid": pmid})
        if flash := st.session_state.pop(FLASH_KEY, None):
            st.success(flash)
        _header(article)
        _labels(article, corrections)
        _abstract(article)
        _registrations_and_notices(article)
        _funding(article)
        _appraisal(article)
        _history(corrections)
        _correction_form(ctx, article, current_identity(ctx))


def _chosen_pmid() -> str | None:
    """The PMID from the URL (?pmid=…), or as typed; kept in the URL for sharing."""
    typed = st.sidebar.text_input(
        "Go to PMID", value=st.query_params.get("pmid", ""), key="study.pmid"
    )
    pmid = typed.strip()
    if not pmid.isdigit():
        st.title("Study")
        st.caption("Enter a PMID, or open a study from the Studies page or the evidence map.")
        return None
    st.query_params["pmid"] = pmid
    return pmid


def _header(article: Article) -> None:
    if article.retracted:
        st.error(
            f"**Retracted.** This study has been retracted{_notices(article.retraction_notices)}."
            " Do not cite it in support of a claim.",
            icon=":material/block:",
        )
    if article.concern:
        st.warning(
            f"**Expression of concern**{_notices(article.concern_notices)}: the journal has "
            "raised doubts about this study.",
            icon=":material/warning:",
        )
    if article.drug == "not_studied":
        st.info("Off-topic: ketamine is not studied here, so the map and lists leave it out.")
    # PubMed's text is shown as written (escaped HTML): never Markdown, links or images.
    st.html(f"<h1>{text_html(article.title or f'PMID {article.pmid}')}</h1>")
    byline = record_byline(article)  # says what the record lacks
    st.html(f'<p class="byline" style="opacity: 0.6; font-size: 0.875rem">{text_html(byline)}</p>')
    st.markdown(" · ".join(_links(article)))
    finding = (
        text_html(article.key_finding)
        if article.key_finding
        else "<em>No key finding extracted yet.</em>"
    )
    st.html(f"<p><strong>Key finding.</strong> {finding}</p>")
    st.markdown("**AMA citation** (copy with the button at the right)")
    st.code(format_ama(article), language=None, wrap_lines=True)


def _links(article: Article) -> list[str]:
    """PubMed, DOI and PMC links; the record's ids are escaped in the text, quoted in the URL."""
    links = [f"[PubMed]({PUBMED.format(pmid=quote(article.pmid))})"]
    if article.doi:
        url = DOI.format(doi=quote(article.doi, safe="/"))
        links.append(f"[DOI {escape_markdown(article.doi)}]({url})")
    if article.pmc:
        url = f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(article.pmc, safe='')}/"
        links.append(f"[{escape_markdown(article.pmc)}]({url})")
    return links


def _notices(pmids: tuple[str, ...]) -> str:
    shown = [p for p in pmids if p.isdigit()]
    if not shown:
        return ""
    return " (notice " + ", ".join(f"[PMID {p}]({PUBMED.format(pmid=p)})" for p in shown) + ")"


def _labels(article: Article, corrections: pd.DataFrame) -> None:
    st.subheader("Labels")
    rows = label_rows(article, corrections_in_effect(corrections))
    st.html(table_html(rows))


def _abstract(article: Article) -> None:
    st.subheader("Abstract")
    if not article.abstract_sections and not article.abstract:
        st.caption("PubMed has no abstract for this record.")
    for section in article.abstract_sections or ():
        label = section.label or (section.category or "").capitalize()
        bold = f"<strong>{text_html(label)}.</strong> " if label else ""
        st.html(f"<p>{bold}{text_html(section.text)}</p>")
    if not article.abstract_sections and article.abstract:
        st.html(f"<p>{text_html(article.abstract)}</p>")


def _link_list(items: list[tuple[str, str]]) -> str:
    """(text, url) pairs as an HTML list; both escaped, the urls built by us from ids."""
    rows = "".join(
        f'<li><a href="{text_html(url)}" target="_blank" rel="noopener noreferrer">'
        f"{text_html(text)}</a></li>"
        for text, url in items
    )
    return f"<ul>{rows}</ul>"


def _beyond_labels(table: str) -> str:
    """A table of what the record carries beside its labels, in a block of its own (the
    labels and corrections tables stay the page's only top-level tables)."""
    return f'<div class="beyond-labels">{table}</div>'


def _registrations_and_notices(article: Article) -> None:
    """Trial registrations (a link to each registry's record) and linked PubMed notices."""
    st.subheader("Registrations and linked notices")
    if article.registry_ids:
        links = [
            (f"{name}: {rid}", url)
            for rid in article.registry_ids
            for name, url in [registry_link(rid)]
        ]
        st.html(f"<p><strong>Registered as</strong></p>{_link_list(links)}")
    else:
        st.caption("No trial registration is named in the record.")
    notices = notice_links(article)
    if notices:
        items = [(f"{kind}: PMID {pmid}", url) for kind, pmid, url in notices]
        st.html(f"<p><strong>Errata, comments, updates and notices</strong></p>{_link_list(items)}")
    else:
        st.caption("PubMed links no errata, comments, updates or notices to this record.")


def _funding(article: Article) -> None:
    st.subheader("Conflicts of interest and funding")
    if article.coi_statement:
        st.html(f"<p><strong>COI statement.</strong> {text_html(article.coi_statement)}</p>")
    else:
        st.caption("The record carries no conflict-of-interest statement.")
    if article.grants:
        st.html(_beyond_labels(table_html(grants_table(article))))
    else:
        st.caption("The record lists no grants.")


def _appraisal(article: Article) -> None:
    """What the appraisal robots read off the abstract, each with its sentence."""
    st.subheader("Appraisal (read from the abstract)")
    result = appraise(article)
    outcome = result.primary_outcome
    if outcome:
        when = f" at {text_html(outcome.time_point)}" if outcome.time_point else ""
        st.html(
            f"<p><strong>Primary outcome.</strong> {text_html(outcome.measure)}{when}"
            f"<br><em>{text_html(outcome.sentence)}</em></p>"
        )
    else:
        st.caption("The abstract designates no primary outcome.")
    if result.comparators:
        shown = "; ".join(f"{display(c.kind)} ({c.phrase})" for c in result.comparators)
        st.html(f"<p><strong>Comparator.</strong> {text_html(shown)}</p>")
    else:
        st.caption("No comparator is named in the abstract.")
    if result.effects:
        st.html("<p><strong>Stated effects</strong> (as written; nothing computed)</p>")
        st.html(_beyond_labels(table_html(effects_table(result))))
    if result.spin:
        st.html(
            f"<p><strong>Spin flag.</strong> {text_html(result.spin.reason)}"
            f"<br><em>{text_html(result.spin.sentence)}</em></p>"
        )
    if result.bias_hints:
        st.html(
            "<p><strong>Risk-of-bias hints</strong>: each a hint for the reviewer, read from "
            "the abstract only, not an assessment.</p>"
        )
        st.html(_beyond_labels(table_html(bias_table(result))))


def _history(corrections: pd.DataFrame) -> None:
    if corrections.empty:
        return
    st.subheader("Corrections")
    st.html(table_html(corrections_table(corrections)))


def _correction_form(ctx: Context, article: Article, identity: Identity) -> None:
    """Label, new value and reason, by the signed-in reviewer; saved at once, winning over
    the model. Only reviewers and medical directors see the form."""
    st.subheader("Correct a label")
    if identity.needs_login:
        st.caption("Reviewers and medical directors sign in to correct labels.")
        st.button("Sign in to correct labels", on_click=st.login, key="study.sign_in")
        return
    if not identity.can_correct:
        why = identity.problem or "Only reviewers and medical directors may correct labels."
        st.caption(escape_markdown(why))
        return
    field = st.selectbox(
        "Label to correct", CORRECTABLE_FIELDS, format_func=display, key="study.field"
    )
    current = getattr(article, field)
    # Fresh widgets per study, label and saved correction, so none shows a stale value.
    form = f"{article.pmid}.{field}.{st.session_state.get(GENERATION_KEY, 0)}"
    with st.form(f"study.correction.{form}"):
        st.caption(f"Reviewer: {escape_markdown(identity.email)}")
        value = _value_widget(field, current, f"study.value.{form}")
        reason = st.text_area(
            "Reason",
            key=f"study.reason.{form}",
            placeholder="Why the label is wrong, e.g. the abstract says randomised",
        )
        submitted = st.form_submit_button("Save correction", type="primary")
    if submitted:
        _save(ctx, article.pmid, field, value, current, reason)


def _value_widget(field: str, current: Any, key: str) -> Any:
    if field in LIST_FIELDS:
        return st.multiselect(
            "New value", LIST_FIELDS[field], default=list(current), format_func=display, key=key
        )
    if field in CHOICE_FIELDS:
        values = CHOICE_FIELDS[field]
        index = values.index(current) if current in values else None
        return st.selectbox("New value", values, index=index, format_func=display, key=key)
    if field == "sample_size":
        return st.text_input(
            "New value (participants; empty if the abstract gives none)",
            value="" if current is None else str(current),
            key=key,
        )
    return st.text_area("New value", value=current or "", key=key)


def _save(ctx: Context, pmid: str, field: str, value: Any, current: Any, reason: str) -> None:
    identity = current_identity(ctx)  # asked again at submit: the form may be older than a role
    if not identity.can_correct or not identity.email:
        why = identity.problem or "only reviewers and medical directors may correct labels"
        st.error(f"Not saved: {escape_markdown(why)}")
        return
    reviewer = identity.email
    try:
        correction = new_correction(
            pmid=pmid, field=field, value=value, current=current, reviewer=reviewer, reason=reason
        )
    except ValueError as exc:
        st.error(f"Not saved: {exc}.")
        return
    try:
        save_correction(ctx.db_path, correction.row())
    except BlockingIOError:
        st.warning(
            "Not saved: the corrections file is busy. Your entry is still in the form; "
            "submit it again in a moment."
        )
        return
    merged = merge_now(ctx)
    where = (
        "it is merged into the warehouse"
        if merged
        else "it shows now and the nightly job merges it into the warehouse"
    )
    who = escape_markdown(reviewer)
    st.session_state[FLASH_KEY] = f"Correction of {display(field)} saved by {who}; {where}."
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
    st.rerun()
