"""Review queue: the uncertain labels whose correction or confirmation would change most, first
those an approved claim relies on, then draft claims' candidates, then the rest (issue 12).

The ranking is labels.review_queue's; this page gathers its inputs (the studies with labels
open for review, and how the claims lean on each study) and links each row to the Study page,
where the reviewer corrects or confirms the label. Those go to the next training run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from claims.state import read_state
from claims.support import counted
from core.claim import PUBLISHED_STATUS
from dashboards.context import Context, current_context
from dashboards.data import CACHE_TTL_SECONDS, Stamp, claims_registry, data_stamp, read_frame
from dashboards.records import plain
from dashboards.taxonomy import display
from dashboards.widgets import timed_page
from labels.review_queue import ClaimUse, QueueEntry, QueueStudy, rank_queue

SHOWN = 200  # rows on the page; the rest wait until these are settled


def render() -> None:
    with timed_page("Review queue"):
        ctx = current_context()
        st.title("Review queue")
        st.caption(
            "Labels the model is unsure of and no person has corrected or confirmed yet, the "
            "ones a reviewer's judgement would change most first: studies an approved claim "
            "counts or cites, then candidates of draft claims, then the rest; within each, the "
            "least confident label first. Open a study to correct or confirm its labels "
            "(saving the value it has confirms it); the next training run learns from both."
        )
        studies = queue_studies(read_frame(ctx, "dash_review_queue"))
        uses, problem = _claim_uses(ctx)
        if problem:
            st.warning(problem)
        entries = rank_queue(studies, uses)
        if not entries:
            st.success("No labels wait for review.")
            return
        st.caption(f"{len(entries):,} studies with labels open for review.")
        st.dataframe(
            queue_table(entries[:SHOWN]),
            hide_index=True,
            column_config={
                "Open": st.column_config.LinkColumn("Open", display_text="Review on Study page"),
            },
        )


def queue_studies(rows: pd.DataFrame) -> list[QueueStudy]:
    """The dash_review_queue rows as the ranking takes them."""
    out = []
    for row in rows.to_dict("records"):
        confidence = {c["field"]: float(c["value"]) for c in plain(row["confidence"]) or ()}
        out.append(
            QueueStudy(
                pmid=str(row["pmid"]),
                title=plain(row["title"]),
                confidence=confidence,
                needs_review=tuple(plain(row["needs_review"]) or ()),
                corrected=frozenset(plain(row["corrected_fields"]) or ()),
            )
        )
    return out


def queue_table(entries: Sequence[QueueEntry]) -> pd.DataFrame:
    """The queue as the page shows it; text from PubMed stays plain cells."""
    return pd.DataFrame(
        {
            "PMID": [e.pmid for e in entries],
            "Title": [e.title or "(no title)" for e in entries],
            "Uncertain labels": [_uncertain_text(e) for e in entries],
            "Why here": [e.reason for e in entries],
            "Open": [f"study?pmid={e.pmid}" for e in entries],
        }
    )


def _uncertain_text(entry: QueueEntry) -> str:
    return ", ".join(
        f"{display(f)} {'(no confidence)' if c is None else f'{c:.2f}'}" for f, c in entry.uncertain
    )


def _claim_uses(ctx: Context) -> tuple[dict[str, list[ClaimUse]], str | None]:
    try:
        registry_stamp = ctx.claims_file.stat().st_mtime_ns
        uses = _uses(str(ctx.db_path), data_stamp(ctx), registry_stamp, ctx)
    except (FileNotFoundError, TimeoutError) as exc:
        return {}, f"Claims could not be read ({exc}); the queue is ranked by confidence only."
    return uses, None


@st.cache_data(show_spinner=False, max_entries=4, ttl=CACHE_TTL_SECONDS)
def _uses(
    db: str, stamp: tuple[Stamp, Stamp], registry_stamp: int, _ctx: Context
) -> dict[str, list[ClaimUse]]:
    state = read_state(Path(db), claims_registry(_ctx))
    uses: dict[str, list[ClaimUse]] = defaultdict(list)
    for claim in state.claims:
        approved = claim.status == PUBLISHED_STATUS
        evidence = state.evidence.get(claim.claim_id, ())
        judged = {e.pmid for e in counted(evidence, claim.evidence)}
        cited = set(claim.cited_pmids)
        for pmid in {e.pmid for e in evidence} | cited:
            use = ClaimUse(claim.claim_id, approved, pmid in judged, pmid in cited)
            uses[pmid].append(use)
    return dict(uses)
