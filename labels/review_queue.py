"""The review queue: which uncertain labels a reviewer should look at first (active learning).

A reviewer's correction or confirmation changes most where a label is both uncertain and
relied on. So studies are ranked in tiers by what leans on them, then by how unsure the model
is within a tier:

1. an approved claim counts the study (a person judged it bearing on the claim) or cites it:
   a wrong label there is on the clinic's site now;
2. a draft claim has it among its candidates: the director is about to decide on it;
3. every other study.

Within a tier the least confident uncertain label comes first, then the study with more
uncertain fields, then the lower PMID (a stable order). A label is uncertain while the model
flagged it (``needs_review``) and no person has corrected or confirmed it since. Pure
functions: the page gathers the inputs from the marts and the claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The labels that place a study on the map and in a claim's counts: a person who corrected or
# confirmed any of them, or judged the study for a claim, has verified it.
VERIFYING_FIELDS = ("conditions", "outcomes", "design", "finding")

TIER_APPROVED, TIER_DRAFT, TIER_OTHER = 1, 2, 3


@dataclass(frozen=True)
class QueueStudy:
    """One study's labels as the queue weighs them."""

    pmid: str
    title: str | None
    confidence: Mapping[str, float]
    needs_review: tuple[str, ...]  # what the model flagged
    corrected: frozenset[str] = frozenset()  # fields a person corrected or confirmed

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Flagged fields no person has settled yet, in the order the model gave them."""
        return tuple(f for f in self.needs_review if f not in self.corrected)


@dataclass(frozen=True)
class ClaimUse:
    """How one claim leans on a study."""

    claim_id: str
    approved: bool
    counted: bool = False  # judged by a person as bearing on the claim
    cited: bool = False  # among the claim's citations


@dataclass(frozen=True)
class QueueEntry:
    """One row of the queue: what is uncertain, and why it is ranked where it is."""

    pmid: str
    title: str | None
    uncertain: tuple[tuple[str, float | None], ...]  # field, the model's confidence
    tier: int
    reason: str


def rank_queue(
    studies: Iterable[QueueStudy], uses: Mapping[str, Sequence[ClaimUse]]
) -> list[QueueEntry]:
    """The studies with uncertain labels, the ones a judgement would change most first."""
    entries = [_entry(s, uses.get(s.pmid, ())) for s in studies if s.uncertain]
    return sorted(entries, key=_order)


def _entry(study: QueueStudy, uses: Sequence[ClaimUse]) -> QueueEntry:
    uncertain = tuple((f, study.confidence.get(f)) for f in study.uncertain)
    tier, reason = _tier(uses)
    return QueueEntry(study.pmid, study.title, uncertain, tier, reason)


def _tier(uses: Sequence[ClaimUse]) -> tuple[int, str]:
    relied = sorted({u.claim_id for u in uses if u.approved and (u.counted or u.cited)})
    if relied:
        return TIER_APPROVED, f"approved claim relies on it: {', '.join(relied)}"
    drafts = sorted({u.claim_id for u in uses if not u.approved})
    if drafts:
        return TIER_DRAFT, f"candidate for draft claim: {', '.join(drafts)}"
    return TIER_OTHER, "no claim relies on it yet"


def _order(entry: QueueEntry) -> tuple[int, float, int, int, str]:
    scores = [c for _, c in entry.uncertain if c is not None]
    lowest = min(scores) if scores else 0.0  # no confidence at all: as unsure as can be
    return (entry.tier, lowest, -len(entry.uncertain), len(entry.pmid), entry.pmid)


@dataclass(frozen=True)
class VerifiedCount:
    """How many of the studies counted somewhere a person has verified."""

    verified: int
    total: int

    @property
    def text(self) -> str:
        return f"{self.verified} of {self.total} verified by a person"


def is_verified(corrected: Iterable[str], judged: bool) -> bool:
    """A person judged the study for a claim, or corrected or confirmed a label that places
    it (``VERIFYING_FIELDS``)."""
    return judged or any(f in VERIFYING_FIELDS for f in corrected)


def verified_count(pmids: Iterable[str], verified: Iterable[str]) -> VerifiedCount:
    """Of these studies (each once), how many are among the verified ones."""
    counted = set(pmids)
    return VerifiedCount(len(counted & set(verified)), len(counted))
