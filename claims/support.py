"""How well a claim's evidence backs it: the support rules, CEBM level and citations. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from core.article import DESIGN_RANK, DESIGNS
from core.claim import (
    CEBM_LEVEL,
    FORMS,
    HIGHLIGHT_LIMIT,
    RECOMMENDED_LIMIT,
    Claim,
    Evidence,
    EvidenceQuery,
    Judgement,
    SupportSummary,
)
from core.claim import JUDGED_DIRECTIONS as _JUDGED


def study_form(drug: str | None, routes: Sequence[str]) -> str:
    """The form a study is about: IV racemic ketamine, esketamine nasal spray, or other.

    A study of several drugs or routes is "other" unless one form is the one studied.
    """
    if drug == "ketamine" and "iv" in routes:
        return "iv_racemic"
    if drug == "esketamine" and "intranasal" in routes:
        return "esketamine_nasal"
    return "other"


def admissible(e: Evidence, query: EvidenceQuery) -> bool:
    """Whether a study may back the claim at all, whatever a person judged.

    The design must be at or above the claim's minimum; a health claim (efficacy, safety) is
    never backed by preclinical work; a claim about some forms only by studies of those forms.
    """
    if DESIGN_RANK.get(e.design, 99) > DESIGN_RANK[query.min_design]:
        return False
    if query.health_claim and e.design == "preclinical":
        return False
    return not query.forms or e.form in query.forms


def counted(evidence: Iterable[Evidence], query: EvidenceQuery | None = None) -> list[Evidence]:
    """The studies that count: judged by a person as bearing on the claim (supports,
    contradicts or mixed), not retracted and, with a query, admissible for it."""
    return [
        e
        for e in evidence
        if not e.retracted and e.direction and (query is None or admissible(e, query))
    ]


def top_tier(studies: Sequence[Evidence]) -> list[Evidence]:
    """Meta-analyses if there are any; else randomised trials; else every study counted."""
    for design in ("meta_analysis", "rct"):
        tier = [e for e in studies if e.design == design]
        if tier:
            return tier
    return list(studies)


def support_status(evidence: Iterable[Evidence], query: EvidenceQuery) -> str:
    """supported / mixed / insufficient / contradicted, from the judged studies only.

    A practice claim about several forms is as well supported as its worst-backed form:
    "given by IV infusion or as nasal spray" needs studies of each. Otherwise the rules of
    ``tier_status`` over every counted study.
    """
    studies = counted(evidence, query)
    if query.kind == "practice" and len(query.forms) > 1:
        by_form = [tier_status([e for e in studies if e.form == f]) for f in query.forms]
        return max(by_form, key=SUPPORT_ORDER.index)
    return tier_status(studies)


JUDGED_VERDICTS = tuple(_JUDGED)

# Worst last: a practice claim takes the worst of its forms.
SUPPORT_ORDER = ("supported", "mixed", "contradicted", "insufficient")


def tier_status(studies: Sequence[Evidence]) -> str:
    """The rules on counted (judged) studies.

    1. Insufficient: fewer than two and no meta-analysis among them.
    2. The strongest tier present decides (meta-analyses, else RCTs, else the rest):
       contradicted when more of it is judged against the claim than for it;
       supported when those for it are at least twice the rest of the tier (against plus
       mixed); mixed otherwise.
    """
    if not studies or (len(studies) < 2 and not any(e.design == "meta_analysis" for e in studies)):
        return "insufficient"
    directions = Counter(e.direction for e in top_tier(studies))
    backing, against = directions["for"], directions["against"]
    if against > backing:
        return "contradicted"
    if backing and backing >= 2 * (against + directions["mixed"]):
        return "supported"
    return "mixed"


def support_by_form(evidence: Iterable[Evidence], query: EvidenceQuery) -> dict[str, str]:
    """The support each form's judged studies give, for the forms that have any candidate."""
    studies = list(evidence)
    judged = counted(studies, query)
    present = [f for f in FORMS if any(e.form == f for e in studies)]
    return {f: tier_status([e for e in judged if e.form == f]) for f in present}


def cebm_level(evidence: Iterable[Evidence], query: EvidenceQuery) -> str | None:
    """Oxford CEBM (2011) level of the strongest judged study that backs the claim."""
    backing = [e for e in counted(evidence, query) if e.direction == "for"]
    levels = [CEBM_LEVEL[e.design] for e in backing if e.design in CEBM_LEVEL]
    return min(levels, key=int) if levels else None


def preclinical_only(evidence: Iterable[Evidence], query: EvidenceQuery) -> bool:
    """A claim whose judged backing is preclinical work only (shown as such, never as a
    health claim)."""
    backing = [e for e in counted(evidence) if e.direction == "for"]
    return bool(backing) and all(e.design == "preclinical" for e in backing)


def strength_order(e: Evidence) -> tuple[int, int, int, str]:
    """Strongest first: design, then larger samples, then newer."""
    return (DESIGN_RANK.get(e.design, 99), -(e.sample_size or 0), -(e.year or 0), e.pmid)


def recency_order(e: Evidence) -> tuple[int, date, int]:
    """Newest first: entry date where known, else year."""
    return (-(e.year or 0), e.entry_date or date.min, -int(e.pmid))


def recommended_citations(evidence: Iterable[Evidence], query: EvidenceQuery) -> list[str]:
    """PMIDs writers should cite: studies a person judged to support the claim, with no
    retraction or concern, strongest design first and, within a design, newest first."""
    backing = [e for e in counted(evidence, query) if e.direction == "for" and not e.concern]
    backing.sort(key=lambda e: (DESIGN_RANK.get(e.design, 99), -(e.year or 0), -int(e.pmid)))
    return [e.pmid for e in backing[:RECOMMENDED_LIMIT]]


def summarise(claim: Claim, evidence: Sequence[Evidence]) -> SupportSummary:
    """Counts, participants, highlights and status of one claim's judged evidence, and how
    many candidates wait for a person's judgement."""
    query = claim.evidence
    live = counted(evidence, query)
    newest = sorted(live, key=lambda e: (e.entry_date or date(e.year or 1, 1, 1), int(e.pmid)))
    return SupportSummary(
        claim_id=claim.claim_id,
        support=support_status(evidence, query),
        cebm_level=cebm_level(evidence, query),
        counts_by_design={d: n for d in DESIGNS if (n := sum(e.design == d for e in live))},
        findings={v: n for v in JUDGED_VERDICTS if (n := sum(e.verdict == v for e in live))},
        participants=sum(e.sample_size or 0 for e in live),
        strongest=tuple(e.pmid for e in sorted(live, key=strength_order)[:HIGHLIGHT_LIMIT]),
        newest=tuple(e.pmid for e in reversed(newest[-HIGHLIGHT_LIMIT:])),
        recommended=tuple(recommended_citations(evidence, query)),
        retracted=tuple(sorted((e.pmid for e in evidence if e.retracted), key=int)),
        candidates=len(evidence),
        unjudged=sum(e.verdict is None for e in evidence),
        judged=dict(Counter(e.verdict for e in evidence if e.verdict)),
        by_form=support_by_form(evidence, query),
    )


# Judgements laid over candidates


def latest(judgements: Iterable[Judgement]) -> dict[tuple[str, str], Judgement]:
    """The judgement in effect per (claim, study): the newest."""
    out: dict[tuple[str, str], Judgement] = {}
    for j in sorted(judgements, key=lambda j: (j.judged_at, j.judgement_id or 0)):
        out[(j.claim_id, j.pmid)] = j
    return out


def apply_judgements(
    claim_id: str, evidence: Sequence[Evidence], judgements: Iterable[Judgement]
) -> list[Evidence]:
    """A claim's candidates with the judgements in effect laid over them (pending ones from
    the inbox included: newer than any the warehouse file holds)."""
    current = latest(j for j in judgements if j.claim_id == claim_id)
    out = []
    for e in evidence:
        j = current.get((claim_id, e.pmid))
        if j is not None and (e.judged_at is None or j.judged_at >= e.judged_at):
            e = replace(
                e, verdict=j.verdict, judged_by=j.reviewer, judged_at=j.judged_at, note=j.note
            )
        out.append(e)
    return out


def overlay(
    evidence: Mapping[str, Sequence[Evidence]], judgements: Sequence[Judgement]
) -> dict[str, list[Evidence]]:
    """Every claim's candidates with the given judgements applied."""
    return {c: apply_judgements(c, rows, judgements) for c, rows in evidence.items()}
