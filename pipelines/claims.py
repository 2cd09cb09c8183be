"""Claims on the clinic's site and the evidence behind each one: pure functions.

The registry (``claims/registry.yaml``) says what each claim may say and which studies back it;
the warehouse works out each claim's support after every nightly run; the medical director
approves, edits or withdraws claims; writers and the public site read the result.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pipelines.article import CONDITIONS, DESIGNS, DRUGS, OUTCOMES, ROUTES, Article

SUPPORT_STATUSES = ("supported", "mixed", "insufficient", "contradicted")
CLAIM_STATUSES = ("draft", "approved", "withdrawn")
CLAIM_ACTIONS = ("approve", "edit", "withdraw", "grade")
GRADE_LEVELS = ("high", "moderate", "low", "very_low")
DIRECTIONS = ("positive", "negative", "mixed")
STUDIED_DRUGS = tuple(d for d in DRUGS if d != "not_studied")

# Strength of evidence: TAXONOMY.md's design order (1 strongest). A claim's `min_design` keeps
# the designs at or above it.
DESIGN_RANK = {design: rank for rank, design in enumerate(DESIGNS, start=1)}

# Oxford CEBM 2011 levels for "does this intervention help?": 1 systematic review of
# randomised trials, 2 randomised trial, 3 non-randomised controlled cohort or follow-up
# study, 4 case series or case-control, 5 mechanism-based reasoning. Preclinical work and
# narrative reviews sit at 5; `other` designs have no level.
CEBM_LEVEL = {
    "meta_analysis": "1",
    "rct": "2",
    "nonrandomized_trial": "3",
    "observational": "3",
    "case_report": "4",
    "preclinical": "5",
    "review": "5",
}

RECOMMENDED_LIMIT = 10
HIGHLIGHT_LIMIT = 3


class RegistryError(ValueError):
    """The claims registry is malformed; the message names the claim and the field."""


@dataclass(frozen=True)
class EvidenceQuery:
    """Which studies bear on a claim, in TAXONOMY.md's terms."""

    conditions: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    finding: str = "positive"  # the direction that supports the claim
    drugs: tuple[str, ...] = STUDIED_DRUGS
    routes: tuple[str, ...] = ()
    min_design: str = "rct"
    terms: tuple[str, ...] = ()

    @property
    def opposing(self) -> str:
        """The direction that counts against the claim."""
        return "negative" if self.finding == "positive" else "positive"

    @property
    def terms_pattern(self) -> str | None:
        """One case-insensitive regular expression for the terms, or None for no narrowing."""
        return "|".join(f"(?:{t})" for t in self.terms) if self.terms else None


@dataclass(frozen=True)
class Claim:
    """A claim on the site: the registry's entry, with the director's decisions applied."""

    claim_id: str
    wording: str
    page: str
    status: str
    evidence: EvidenceQuery
    cited_pmids: tuple[str, ...] = ()
    grade: str | None = None


@dataclass(frozen=True)
class ClaimEvent:
    """One decision on a claim by the medical director, kept forever with who, when and why."""

    claim_id: str
    action: str  # CLAIM_ACTIONS
    reviewer: str
    reason: str
    decided_at: datetime
    wording: str | None = None
    cited_pmids: tuple[str, ...] | None = None
    grade: str | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class Evidence:
    """A study that matches a claim's evidence query, with what the support rules need."""

    pmid: str
    design: str
    finding: str | None
    sample_size: int | None = None
    year: int | None = None
    entry_date: date | None = None
    retracted: bool = False
    concern: bool = False
    title: str | None = None


@dataclass(frozen=True)
class ClaimSupport:
    """One claim as writers and the public site see it: wording, support and references.

    Carries nothing internal: no reviewer names, no notes.
    """

    claim_id: str
    wording: str
    page: str
    status: str  # CLAIM_STATUSES
    support: str  # SUPPORT_STATUSES
    cebm_level: str | None  # Oxford CEBM level of the best evidence, e.g. "1a"; None if none
    grade: str | None  # GRADE certainty set by the medical director; None until set
    counts_by_design: dict[str, int] = field(default_factory=dict)  # design -> studies
    findings: dict[str, int] = field(default_factory=dict)  # finding -> studies
    participants: int = 0
    references: tuple[Article, ...] = ()  # recommended citations, strongest first, then newest
    as_of: datetime | None = None  # when the data behind this was loaded


ALERT_KINDS = (
    "new_meta_analysis",  # a new meta-analysis matches an approved claim's evidence query
    "new_rct",  # a new RCT matches it
    "new_negative",  # a new study of any design points against the claim
    "new_mixed",  # a new study with a mixed finding
    "retraction",  # a study the claim cites was retracted
    "concern",  # a study the claim cites got an expression of concern
    "status_change",  # the claim's support status changed
)


@dataclass(frozen=True)
class Alert:
    """Something that changed for an approved claim after a nightly run.

    ``alert_id`` is stable for the same event (claim, kind, study or status change), so an
    alert raised twice is stored and sent once.
    """

    alert_id: str
    claim_id: str
    kind: str  # ALERT_KINDS
    pmid: str | None
    detail: str  # one line a medical director can act on
    created_at: datetime


# ---------------------------------------------------------------------------------------------
# The registry


def parse_registry(data: Mapping[str, Any]) -> list[Claim]:
    """Claims from the registry's YAML document, checked against TAXONOMY.md's values."""
    entries = data.get("claims") if isinstance(data, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise RegistryError("the registry needs a non-empty `claims:` list")
    claims = [_claim(entry, n) for n, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for claim in claims:
        if claim.claim_id in seen:
            raise RegistryError(f"claim id {claim.claim_id!r} appears twice")
        seen.add(claim.claim_id)
    return claims


def _claim(entry: Any, n: int) -> Claim:
    if not isinstance(entry, Mapping):
        raise RegistryError(f"claim #{n}: expected a mapping")
    claim_id = str(entry.get("id") or "").strip()
    where = f"claim {claim_id or '#' + str(n)}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", claim_id):
        raise RegistryError(f"{where}: id must be lower-case letters, digits and hyphens")
    wording = " ".join(str(entry.get("wording") or "").split())
    if not wording:
        raise RegistryError(f"{where}: wording is missing")
    status = entry.get("status", "draft")
    if status not in CLAIM_STATUSES:
        raise RegistryError(f"{where}: status {status!r} is not one of {CLAIM_STATUSES}")
    query = entry.get("evidence")
    if not isinstance(query, Mapping):
        raise RegistryError(f"{where}: evidence query is missing")
    cited = tuple(str(p) for p in entry.get("cited_pmids") or ())
    if any(not p.isdigit() for p in cited):
        raise RegistryError(f"{where}: cited_pmids must be PubMed ids")
    return Claim(
        claim_id=claim_id,
        wording=wording,
        page=str(entry.get("page") or ""),
        status=status,
        evidence=_query(query, where),
        cited_pmids=cited,
    )


def _query(query: Mapping[str, Any], where: str) -> EvidenceQuery:
    def values(name: str, allowed: Sequence[str], default: tuple[str, ...] = ()) -> tuple[str, ...]:
        raw = query.get(name, default)
        items = tuple(raw) if isinstance(raw, list | tuple) else (raw,)
        bad = [v for v in items if v not in allowed]
        if bad:
            raise RegistryError(f"{where}: {name} {bad} not in {tuple(allowed)}")
        return items

    finding = query.get("finding", "positive")
    if finding not in ("positive", "negative"):
        raise RegistryError(f"{where}: finding must be positive or negative")
    min_design = query.get("min_design", "rct")
    if min_design not in DESIGN_RANK:
        raise RegistryError(f"{where}: min_design {min_design!r} not in {DESIGNS}")
    terms = tuple(str(t) for t in query.get("terms") or ())
    for term in terms:
        try:
            re.compile(term)
        except re.error as exc:
            raise RegistryError(f"{where}: term {term!r} is not a valid pattern: {exc}") from None
    unknown = set(query) - {
        "conditions",
        "outcomes",
        "finding",
        "drugs",
        "routes",
        "min_design",
        "terms",
    }
    if unknown:
        raise RegistryError(f"{where}: unknown evidence keys {sorted(unknown)}")
    return EvidenceQuery(
        conditions=values("conditions", CONDITIONS),
        outcomes=values("outcomes", OUTCOMES),
        finding=finding,
        drugs=values("drugs", STUDIED_DRUGS, STUDIED_DRUGS),
        routes=values("routes", ROUTES),
        min_design=min_design,
        terms=terms,
    )


def apply_events(claim: Claim, events: Iterable[ClaimEvent]) -> Claim:
    """The claim as the director's decisions, oldest first, leave it.

    Approval fixes the wording and cited studies it approved; an edit changes them and
    sends the claim back to draft (the new wording has not been approved); a withdrawal
    takes it off the site; a grade sets the GRADE certainty.
    """
    for event in events:
        if event.claim_id != claim.claim_id:
            continue
        wording = event.wording or claim.wording
        cited = claim.cited_pmids if event.cited_pmids is None else event.cited_pmids
        if event.action == "approve":
            claim = replace(claim, status="approved", wording=wording, cited_pmids=cited)
        elif event.action == "edit":
            claim = replace(claim, status="draft", wording=wording, cited_pmids=cited)
        elif event.action == "withdraw":
            claim = replace(claim, status="withdrawn")
        elif event.action == "grade":
            claim = replace(claim, grade=event.grade)
    return claim


def check_event(event: ClaimEvent, claim: Claim) -> ClaimEvent:
    """Validate a decision before it is stored: who, why, and a well-formed change."""
    if event.action not in CLAIM_ACTIONS:
        raise ValueError(f"unknown action {event.action!r}")
    if not event.reviewer.strip():
        raise ValueError("a decision needs the reviewer's name")
    if not " ".join(event.reason.split()):
        raise ValueError("say why: a decision needs a reason")
    wording = event.wording
    if event.action in ("approve", "edit") and wording is not None and not wording.strip():
        raise ValueError("the wording cannot be empty")
    if event.action == "grade" and event.grade not in GRADE_LEVELS:
        raise ValueError(f"GRADE certainty is one of {GRADE_LEVELS}")
    unchanged = wording is None and (
        event.cited_pmids is None or tuple(event.cited_pmids) == claim.cited_pmids
    )
    if event.action == "approve" and claim.status == "approved" and unchanged:
        raise ValueError("the claim is already approved with this wording and citations")
    if event.action == "edit" and unchanged:
        raise ValueError("an edit must change the wording or the cited studies")
    if event.action == "withdraw" and claim.status == "withdrawn":
        raise ValueError("the claim is already withdrawn")
    if event.cited_pmids is not None and any(not p.isdigit() for p in event.cited_pmids):
        raise ValueError("cited studies are PubMed ids (digits only)")
    return event


# ---------------------------------------------------------------------------------------------
# Support: the rules the README writes down


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


@dataclass(frozen=True)
class SupportSummary:
    """What the support marts hold for one claim after a nightly run."""

    claim_id: str
    support: str
    cebm_level: str | None
    counts_by_design: dict[str, int]
    findings: dict[str, int]
    participants: int
    strongest: tuple[str, ...]
    newest: tuple[str, ...]
    recommended: tuple[str, ...]
    retracted: tuple[str, ...]


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


@dataclass(frozen=True)
class WatchState:
    """What the last watch saw of a claim: its evidence and its status."""

    seen: frozenset[str]
    status: str | None


def watch(
    claim: Claim,
    evidence: Sequence[Evidence],
    summary: SupportSummary,
    previous: WatchState | None,
    cited: Mapping[str, Evidence | Article],
    run_id: str,
    now: datetime,
) -> list[Alert]:
    """Alerts for one claim after a run.

    Only approved claims raise alerts. The first watch of a claim records what it sees
    without calling all of it new. ``cited`` maps the claim's cited PMIDs to their records.
    """
    if claim.status != "approved":
        return []
    alerts: list[Alert] = []

    def alert(kind: str, pmid: str | None, detail: str, key: str | None = None) -> None:
        alert_id = f"{claim.claim_id}:{kind}:{key or pmid}"
        alerts.append(Alert(alert_id, claim.claim_id, kind, pmid, detail, now))

    if previous is not None:
        for e in sorted(evidence, key=lambda e: int(e.pmid)):
            if e.pmid in previous.seen or e.retracted:
                continue
            label = _study_label(e)
            if e.design == "meta_analysis":
                alert("new_meta_analysis", e.pmid, f"New meta-analysis ({e.finding}): {label}")
            elif e.design == "rct":
                alert("new_rct", e.pmid, f"New RCT ({e.finding}): {label}")
            if e.finding == claim.evidence.opposing:
                alert("new_negative", e.pmid, f"New {e.design} against the claim: {label}")
            elif e.finding == "mixed":
                alert("new_mixed", e.pmid, f"New {e.design} with a mixed finding: {label}")
        if previous.status is not None and previous.status != summary.support:
            alert(
                "status_change",
                None,
                f"Support changed from {previous.status} to {summary.support}",
                key=f"{previous.status}->{summary.support}@{run_id}",
            )
    for pmid in claim.cited_pmids:
        record = cited.get(pmid)
        if record is None:
            continue
        title = record.title or f"PMID {pmid}"
        if record.retracted:
            alert("retraction", pmid, f"A cited study was retracted: {title} (PMID {pmid})")
        if record.concern:
            alert(
                "concern",
                pmid,
                f"A cited study has an expression of concern: {title} (PMID {pmid})",
            )
    return alerts


def _study_label(e: Evidence) -> str:
    title = (e.title or "").strip() or "untitled"
    year = f" ({e.year})" if e.year else ""
    size = f", N={e.sample_size}" if e.sample_size else ""
    return f"{title}{year}{size}, PMID {e.pmid}"


def designs_at_or_above(min_design: str) -> list[str]:
    """The designs a claim with this minimum counts, strongest first."""
    return [d for d in DESIGNS if DESIGN_RANK[d] <= DESIGN_RANK[min_design]]


@dataclass(frozen=True)
class ClaimResults:
    """One refresh of every claim: decisions applied, evidence, support, and new alerts."""

    claims: tuple[Claim, ...]
    evidence: Mapping[str, Sequence[Evidence]]
    summaries: Mapping[str, SupportSummary]
    alerts: tuple[Alert, ...]


def evaluate_claims(
    registry: Sequence[Claim],
    events: Sequence[ClaimEvent],
    evidence: Mapping[str, Sequence[Evidence]],
    previous: Mapping[str, WatchState],
    cited: Mapping[str, Article],
    run_id: str,
    now: datetime,
) -> ClaimResults:
    """Apply the director's decisions, summarise each claim's evidence, and watch for changes."""
    claims = tuple(apply_events(c, events) for c in registry)
    summaries: dict[str, SupportSummary] = {}
    alerts: list[Alert] = []
    for claim in claims:
        found = evidence.get(claim.claim_id, ())
        summaries[claim.claim_id] = summary = summarise(claim, found)
        alerts += watch(claim, found, summary, previous.get(claim.claim_id), cited, run_id, now)
    return ClaimResults(claims, evidence, summaries, tuple(alerts))
