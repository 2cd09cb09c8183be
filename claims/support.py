"""How well a claim's evidence backs it: the support rules, CEBM level and citations. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from core.article import DESIGN_RANK, DESIGNS
from core.claim import (
    CEBM_LEVEL,
    DIRECTIONS,
    HIGHLIGHT_LIMIT,
    RECOMMENDED_LIMIT,
    Claim,
    Evidence,
    EvidenceQuery,
    SupportSummary,
)


def counted(evidence: Iterable[Evidence]) -> list[Evidence]:
    """The studies that count: not retracted, with a direction."""
    return [e for e in evidence if not e.retracted and e.finding in DIRECTIONS]


def top_tier(studies: Sequence[Evidence]) -> list[Evidence]:
    """Meta-analyses if there are any; else randomised trials; else every study counted."""
    for design in ("meta_analysis", "rct"):
        tier = [e for e in studies if e.design == design]
        if tier:
            return tier
    return list(studies)


def support_status(evidence: Iterable[Evidence], query: EvidenceQuery) -> str:
    """supported / mixed / insufficient / contradicted, from the strongest tier of studies.

    1. Count only studies that are not retracted and report a direction.
    2. Insufficient: fewer than two such studies and no meta-analysis among them.
    3. The strongest tier present decides (meta-analyses, else RCTs, else the rest):
       contradicted when more of it points against the claim than for it;
       supported when the studies for it are at least twice the rest of the tier (against
       plus mixed); mixed otherwise.
    """
    studies = counted(evidence)
    if not studies or (len(studies) < 2 and not any(e.design == "meta_analysis" for e in studies)):
        return "insufficient"
    tier = top_tier(studies)
    directions = Counter(e.finding for e in tier)
    backing = directions[query.finding]
    against = directions[query.opposing]
    if against > backing:
        return "contradicted"
    if backing and backing >= 2 * (against + directions["mixed"]):
        return "supported"
    return "mixed"


def cebm_level(evidence: Iterable[Evidence], query: EvidenceQuery) -> str | None:
    """Oxford CEBM (2011) level of the strongest study that backs the claim."""
    backing = [e for e in counted(evidence) if e.finding == query.finding]
    levels = [CEBM_LEVEL[e.design] for e in backing if e.design in CEBM_LEVEL]
    return min(levels, key=int) if levels else None


def strength_order(e: Evidence) -> tuple[int, int, int, str]:
    """Strongest first: design, then larger samples, then newer."""
    return (DESIGN_RANK.get(e.design, 99), -(e.sample_size or 0), -(e.year or 0), e.pmid)


def recency_order(e: Evidence) -> tuple[int, date, int]:
    """Newest first: entry date where known, else year."""
    return (-(e.year or 0), e.entry_date or date.min, -int(e.pmid))


def recommended_citations(evidence: Iterable[Evidence], query: EvidenceQuery) -> list[str]:
    """PMIDs writers should cite: studies that back the claim with no retraction or concern,
    strongest design first and, within a design, newest first."""
    backing = [
        e for e in evidence if e.finding == query.finding and not e.retracted and not e.concern
    ]
    backing.sort(key=lambda e: (DESIGN_RANK.get(e.design, 99), -(e.year or 0), -int(e.pmid)))
    return [e.pmid for e in backing[:RECOMMENDED_LIMIT]]


def summarise(claim: Claim, evidence: Sequence[Evidence]) -> SupportSummary:
    """Counts, participants, highlights and status of one claim's evidence."""
    live = [e for e in evidence if not e.retracted]
    query = claim.evidence
    newest = sorted(live, key=lambda e: (e.entry_date or date(e.year or 1, 1, 1), int(e.pmid)))
    return SupportSummary(
        claim_id=claim.claim_id,
        support=support_status(evidence, query),
        cebm_level=cebm_level(evidence, query),
        counts_by_design={d: n for d in DESIGNS if (n := sum(e.design == d for e in live))},
        findings={
            f: n
            for f in (*DIRECTIONS, "none")
            if (n := sum((e.finding or "none") == f for e in live))
        },
        participants=sum(e.sample_size or 0 for e in live),
        strongest=tuple(e.pmid for e in sorted(live, key=strength_order)[:HIGHLIGHT_LIMIT]),
        newest=tuple(e.pmid for e in reversed(newest[-HIGHLIGHT_LIMIT:])),
        recommended=tuple(recommended_citations(evidence, query)),
        retracted=tuple(sorted((e.pmid for e in evidence if e.retracted), key=int)),
    )


# ---------------------------------------------------------------------------------------------
# Watching: what changed for an approved claim since the last run
