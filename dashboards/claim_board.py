"""Pure shaping for the Claims page: no Streamlit, no SQL.

The snapshot says what the last refresh computed; the app's own file holds the director's
decisions and acknowledgements that may not be merged yet. These functions put the two
together, so a decision shows the moment it is saved, and turn the marts' rows into tables.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from claims.registry import apply_events
from core.article import DESIGNS
from core.article import designs_at_or_above as designs_counted
from core.claim import (
    FORM_NAMES,
    FORMS,
    STUDIED_DRUGS,
    VERDICTS,
    Claim,
    ClaimEvent,
    Evidence,
    EvidenceQuery,
)
from dashboards.records import plain
from dashboards.taxonomy import display
from labels.appraisal.types import BIAS_LEVELS, Appraisal

ACTION_NAMES = {
    "approve": "Approved",
    "edit": "Edited wording",
    "withdraw": "Withdrew",
    "grade": "Set GRADE",
}
STATUS_NAMES = {"draft": "Draft", "approved": "Approved", "withdrawn": "Withdrawn"}
SUPPORT_NAMES = {
    "supported": "Supported",
    "mixed": "Mixed",
    "insufficient": "Insufficient",
    "contradicted": "Contradicted",
}
CHANNEL_NAMES = {"dashboard": "Claims page", "cli": "command line"}
GRADE_NAMES = {"high": "High", "moderate": "Moderate", "low": "Low", "very_low": "Very low"}
DESIGN_SHORT = {"meta_analysis": "MA", "rct": "RCT"}
FINDING_ORDER = ("positive", "mixed", "negative", "none")


def history_events(history: pd.DataFrame) -> list[ClaimEvent]:
    """The decisions the snapshot holds (marts.claim_history rows) as ClaimEvent records.

    A snapshot published before approvals kept their digest lacks the later columns.
    """
    events = []
    for row in history.to_dict("records"):
        cited = plain(row["cited_pmids"])
        events.append(
            ClaimEvent(
                event_id=int(row["event_id"]),
                claim_id=row["claim_id"],
                action=row["action"],
                wording=plain(row["wording"]),
                cited_pmids=None if cited is None else tuple(cited),
                grade=plain(row["grade"]),
                reviewer=row["reviewer"],
                reason=row["reason"],
                decided_at=plain(row["decided_at"]),
                evidence_digest=plain(row.get("evidence_digest")),
                override_reason=plain(row.get("override_reason")),
                channel=plain(row.get("channel")),
            )
        )
    return events


def unmerged(pending: Iterable[ClaimEvent], merged: Iterable[ClaimEvent]) -> list[ClaimEvent]:
    """The app's decisions the snapshot does not hold yet (the app's file is never pruned)."""
    held = {e.event_id for e in merged}
    return [e for e in pending if e.event_id not in held]


def current_claims(registry: Sequence[Claim], events: Iterable[ClaimEvent]) -> list[Claim]:
    """Each registry claim with every decision applied in the order it was made."""
    ordered = sorted(events, key=lambda e: (e.decided_at, e.event_id or 0))
    return [apply_events(claim, ordered) for claim in registry]


def open_alerts(alerts: pd.DataFrame, acks: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Alerts no one has acknowledged, in the snapshot or in the app's file."""
    acked = {a["alert_id"] for a in acks}
    return alerts[alerts["acknowledged_at"].isna() & ~alerts["alert_id"].isin(acked)]


def acknowledged_alerts(alerts: pd.DataFrame, acks: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Acknowledged alerts with who, when and the note; the app's pending ones included."""
    pending = {a["alert_id"]: a for a in acks}
    rows = []
    for row in alerts.to_dict("records"):
        ack = pending.get(row["alert_id"]) if pd.isna(row["acknowledged_at"]) else None
        if ack is None and pd.isna(row["acknowledged_at"]):
            continue
        rows.append(
            {
                "Claim": row["claim_id"],
                "Alert": row["detail"],
                "Raised": row["created_at"],
                "Acknowledged by": ack["reviewer"] if ack else row["acknowledged_by"],
                "On": ack["acknowledged_at"] if ack else row["acknowledged_at"],
                "Note": (ack["note"] if ack else row["ack_note"]) or "",
            }
        )
    return pd.DataFrame(rows, columns=["Claim", "Alert", "Raised", "Acknowledged by", "On", "Note"])


def design_counts(counts: Mapping[str, int]) -> str:
    """Studies by design in one line, strongest first: "MA 1 · RCT 3 · Observational 2"."""
    parts = [f"{DESIGN_SHORT.get(d, display(d))} {counts[d]}" for d in DESIGNS if counts.get(d)]
    return " · ".join(parts) or "none"


def claims_table(
    claims: Sequence[Claim], overview: pd.DataFrame, alerts_open: pd.DataFrame
) -> pd.DataFrame:
    """One row per registry claim: its status and wording now, and its support as computed."""
    support = {row["claim_id"]: row for row in overview.to_dict("records")}
    open_by_claim = alerts_open["claim_id"].value_counts().to_dict()
    rows = []
    for claim in claims:
        row = support.get(claim.claim_id)
        counts = json.loads(row["counts_by_design"]) if row else {}
        rows.append(
            {
                "Claim": claim.claim_id,
                "Status": STATUS_NAMES[claim.status],
                "Wording": claim.wording,
                "Support": SUPPORT_NAMES.get(row["support"], row["support"]) if row else "—",
                "CEBM level": (plain(row["cebm_level"]) or "—") if row else "—",
                "GRADE": GRADE_NAMES.get(claim.grade or "", "not set"),
                "Studies by design": design_counts(counts),
                "Participants": int(row["participants"]) if row else 0,
                "Open alerts": int(open_by_claim.get(claim.claim_id, 0)),
            }
        )
    return pd.DataFrame(rows)


def query_in_words(query: EvidenceQuery) -> str:
    """A claim's evidence query as a sentence a writer can check."""
    drugs = "any form of ketamine" if query.drugs == STUDIED_DRUGS else _either(query.drugs)
    parts = [f"Studies of {drugs}"]
    if query.conditions:
        parts.append(f"in {_either(query.conditions)}")
    if query.outcomes:
        parts.append(f"reporting {_either(query.outcomes)}")
    if query.routes:
        parts.append(f"given by {_either(query.routes)}")
    designs = designs_counted(query.min_design)
    parts.append(f"designed as {_either(designs)}")
    text = ", ".join(parts)
    if query.terms:
        terms = ", ".join(f"`{t}`" for t in query.terms)
        text += f", whose title or abstract matches one of {terms}"
    against = "negative" if query.finding == "positive" else "positive"
    return (
        f"{text}. A {query.finding} finding supports the claim; a {against} one counts "
        "against it. Retracted studies do not count."
    )


def _either(values: Sequence[str]) -> str:
    names = [n if n.isupper() else n.lower() for n in map(display, values)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def design_finding_frame(studies: pd.DataFrame) -> pd.DataFrame:
    """Live studies counted by design and finding, for the claim's chart."""
    live = studies[~studies["retracted"].astype(bool)]
    frame = (
        live.assign(finding=live["finding"].fillna("none"))
        .groupby(["design", "finding"], as_index=False)
        .size()
        .rename(columns={"size": "studies"})
    )
    return frame.assign(
        design_name=frame["design"].map(display), finding_name=frame["finding"].map(display)
    )


def highlight_table(pmids: Sequence[str], studies: pd.DataFrame) -> pd.DataFrame:
    """Some of a claim's studies in the order given, with what a writer wants to see."""
    by_pmid = studies.set_index("pmid")
    rows = []
    for pmid in pmids:
        if pmid not in by_pmid.index:
            continue
        s = by_pmid.loc[pmid]
        rows.append(
            {
                "Year": plain(s["year"]),
                "Title": s["title"],
                "Design": display(s["design"]),
                "N": plain(s["sample_size"]),
                "Finding": display(plain(s["finding"])),
                "PubMed": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                "Study": f"study?pmid={pmid}",
            }
        )
    return pd.DataFrame(
        rows, columns=["Year", "Title", "Design", "N", "Finding", "PubMed", "Study"]
    )


def history_table(
    claim_id: str, merged: Sequence[ClaimEvent], pending: Sequence[ClaimEvent]
) -> pd.DataFrame:
    """Every decision on one claim, newest first: who, when, what and why."""
    rows = [_history_row(e, "merged") for e in merged if e.claim_id == claim_id] + [
        _history_row(e, "pending merge") for e in pending if e.claim_id == claim_id
    ]
    rows.sort(key=lambda r: r["When"], reverse=True)
    columns = [
        "When",
        "Who",
        "Decision",
        "Wording",
        "Cited PMIDs",
        "GRADE",
        "Why",
        "Override",
        "Via",
        "Status",
    ]
    return pd.DataFrame(rows, columns=columns)


def _history_row(event: ClaimEvent, status: str) -> dict[str, Any]:
    return {
        "When": event.decided_at,
        "Who": event.reviewer,
        "Decision": ACTION_NAMES.get(event.action, event.action),
        "Wording": event.wording or "",
        "Cited PMIDs": ", ".join(event.cited_pmids or ()),
        "GRADE": GRADE_NAMES.get(event.grade or "", ""),
        "Why": event.reason,
        "Override": event.override_reason or "",
        "Via": CHANNEL_NAMES.get(event.channel or "", ""),
        "Status": status,
    }


def parse_pmids(text: str) -> list[str]:
    """PMIDs typed as a list (commas, spaces or new lines), in order, duplicates dropped."""
    return list(dict.fromkeys(p for p in re.split(r"[\s,;]+", text) if p))


# --- judged evidence: kinds, forms, candidates ------------------------------------------------

KIND_NAMES = {
    "efficacy": "Efficacy: benefit in people, from human studies",
    "safety_profile": "Safety profile: which adverse effects, how often, how long",
    "mechanism": "Mechanism: laboratory evidence, not a health claim",
    "practice": "Practice: a statement of how treatment is given, backed per form",
}
VERDICT_NAMES = {
    "supports": "supports",
    "contradicts": "contradicts",
    "mixed": "mixed",
    "irrelevant": "not relevant",
}


def kind_line(kind: str) -> str:
    """What kind of claim it is and so what may back it, in one line."""
    return KIND_NAMES.get(kind, kind)


def claim_forms(claim: Claim, by_form: Mapping[str, str]) -> list[str]:
    """The forms to show for a claim: those it is about, else every form with a candidate
    or a regulatory note, in FORMS order."""
    wanted = set(claim.forms) or set(by_form) | set(claim.regulatory)
    return [f for f in FORMS if f in wanted]


def form_rows(
    claim: Claim, evidence: Sequence[Evidence], by_form: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Per form: its name, the support its judged studies give, judged counts by verdict,
    candidates still unjudged and the regulatory note."""
    rows = []
    for form in claim_forms(claim, by_form):
        studies = [e for e in evidence if e.form == form]
        judged = {v: sum(e.verdict == v for e in studies) for v in VERDICTS}
        rows.append(
            {
                "form": form,
                "name": FORM_NAMES[form],
                "support": SUPPORT_NAMES.get(by_form.get(form, ""), "No candidate studies"),
                "judged": judged,
                "unjudged": sum(e.verdict is None for e in studies),
                "regulatory": claim.regulatory.get(form, ""),
            }
        )
    return rows


def judged_line(judged: Mapping[str, int]) -> str:
    """'3 supports · 1 mixed' (verdicts with none left out), or 'none judged yet'."""
    parts = [f"{n} {VERDICT_NAMES[v]}" for v, n in judged.items() if n]
    return " · ".join(parts) or "none judged yet"


def judged_table(evidence: Sequence[Evidence]) -> pd.DataFrame:
    """The studies a person judged, newest judgement first: who said what and why."""
    rows = [
        {
            "PMID": e.pmid,
            "Judgement": VERDICT_NAMES.get(e.verdict or "", e.verdict),
            "Form": FORM_NAMES.get(e.form, e.form),
            "Design": display(e.design),
            "Year": e.year,
            "Title": e.title or "",
            "By": e.judged_by or "",
            "Note": e.note or "",
            "_at": e.judged_at,
        }
        for e in evidence
        if e.verdict
    ]
    rows.sort(key=lambda r: (r["_at"] is not None, r["_at"]), reverse=True)
    columns = ["PMID", "Judgement", "Form", "Design", "Year", "Title", "By", "Note"]
    return pd.DataFrame(rows, columns=[*columns, "_at"])[columns]


def candidate_line(e: Evidence) -> str:
    """A candidate's facts in one line: PMID, design, form, year, sample, how it was found."""
    found = f"added by {e.added_by}" if e.added_by else "found by the claim's query"
    parts = [
        f"PMID {e.pmid}",
        display(e.design),
        FORM_NAMES.get(e.form, e.form),
        str(e.year or "year unknown"),
    ]
    if e.sample_size:
        parts.append(f"N={e.sample_size}")
    if e.retracted:
        parts.append("RETRACTED")
    return " · ".join([*parts, found])


def suggestion_line(suggested: str, why: str) -> str:
    """The machine's guess, said as one: never counted as support."""
    return f"suggested: {VERDICT_NAMES.get(suggested, suggested)} -- not counted ({why})"


BIAS_HINTS_NAME = "hints for the reviewer"  # never an assessment: read from abstracts by rule


def judged_trials(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The randomised trials a person judged: those whose bias hints inform GRADE's
    risk-of-bias domain (the hints were checked against people's readings on RCTs only)."""
    return sorted(
        (e for e in evidence if e.verdict and e.design == "rct"), key=lambda e: int(e.pmid)
    )


def bias_hint_counts(appraisals: Sequence[Appraisal]) -> pd.DataFrame:
    """Per risk-of-bias domain, how many of the trials' abstracts read low, unclear, high."""
    counts: dict[str, Counter[str]] = {}
    for appraisal in appraisals:
        for hint in appraisal.bias_hints:
            counts.setdefault(hint.domain, Counter())[hint.level] += 1
    levels = [level.capitalize() for level in BIAS_LEVELS]
    rows = [
        {"Domain": display(domain), **{lv.capitalize(): n[lv] for lv in BIAS_LEVELS}}
        for domain, n in counts.items()
    ]
    return pd.DataFrame(rows, columns=["Domain", *levels])


def spin_table(trials: Sequence[Evidence], appraisals: Sequence[Appraisal]) -> pd.DataFrame:
    """Each judged trial with its judgement and the spin flag, if the robots raised one."""
    by_pmid = {a.pmid: a for a in appraisals}
    rows = []
    for e in trials:
        spin = by_pmid[e.pmid].spin if e.pmid in by_pmid else None
        rows.append(
            {
                "PMID": e.pmid,
                "Judgement": VERDICT_NAMES.get(e.verdict or "", e.verdict),
                "Title": e.title or "",
                "Spin flag": spin.reason if spin else "none raised",
                "Sentence": spin.sentence if spin else "",
            }
        )
    return pd.DataFrame(rows, columns=["PMID", "Judgement", "Title", "Spin flag", "Sentence"])
