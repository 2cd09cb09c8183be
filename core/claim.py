"""The claim records: what the registry says, what the director decided, what the evidence holds.

Plain data that the warehouse stores and the claims rules compute; no rules live here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from core.article import DRUGS, Article

SUPPORT_STATUSES = ("supported", "mixed", "insufficient", "contradicted")
CLAIM_STATUSES = ("draft", "approved", "withdrawn")
PUBLISHED_STATUS = "approved"  # the only status the public site shows
CLAIM_ACTIONS = ("approve", "edit", "withdraw", "grade")
CHANNELS = ("dashboard", "cli")  # where a decision was made
# Support that an approval must override, with a reason the director gives.
NEEDS_OVERRIDE = ("insufficient", "contradicted")
GRADE_LEVELS = ("high", "moderate", "low", "very_low")
DIRECTIONS = ("positive", "negative", "mixed")
STUDIED_DRUGS = tuple(d for d in DRUGS if d != "not_studied")

# What a claim says, and so which studies may back it (README "Claim kinds").
CLAIM_KINDS = ("efficacy", "safety_profile", "mechanism", "practice")
HEALTH_KINDS = ("efficacy", "safety_profile")  # preclinical work never backs these
# The drug forms the evidence is split by: only esketamine nasal spray is approved (for
# treatment-resistant depression, and depressive symptoms in MDD with acute suicidal ideation);
# IV racemic ketamine for psychiatric use is off-label.
FORMS = ("iv_racemic", "esketamine_nasal", "other")
FORM_NAMES = {
    "iv_racemic": "IV racemic ketamine",
    "esketamine_nasal": "esketamine nasal spray",
    "other": "other forms and routes",
}
# A person's judgement of one study for one claim; the first three back or weigh against it.
VERDICTS = ("supports", "contradicts", "mixed", "irrelevant")
JUDGED_DIRECTIONS = {"supports": "for", "contradicts": "against", "mixed": "mixed"}


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
    kind: str = "efficacy"  # CLAIM_KINDS
    forms: tuple[str, ...] = ()  # FORMS the claim is about (empty: any)

    @property
    def health_claim(self) -> bool:
        """Efficacy and safety claims are about people: preclinical work never backs them."""
        return self.kind in HEALTH_KINDS

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
    regulatory: Mapping[str, str] = field(default_factory=dict)  # form -> approved/off-label
    beyond_label: str | None = None  # how the wording goes beyond an approved label

    @property
    def kind(self) -> str:
        return self.evidence.kind

    @property
    def forms(self) -> tuple[str, ...]:
        return self.evidence.forms


@dataclass(frozen=True)
class Judgement:
    """A person's judgement of one study for one claim: kept by claim_id + pmid, never by
    label, so relabelling or retraining leaves it standing. The newest one counts."""

    claim_id: str
    pmid: str
    verdict: str  # VERDICTS
    reviewer: str
    note: str
    judged_at: datetime
    judgement_id: int | None = None


@dataclass(frozen=True)
class ClaimEvent:
    """One decision on a claim by the medical director, kept forever with who, when and why."""

    claim_id: str
    action: str  # CLAIM_ACTIONS
    reviewer: str
    reason: str
    decided_at: datetime
    wording: str | None = None  # an approval always holds the wording it approved
    cited_pmids: tuple[str, ...] | None = None  # and the PMIDs it cites, in that order
    grade: str | None = None
    event_id: int | None = None
    evidence_digest: str | None = None  # of the evidence the director saw (Shown)
    override_reason: str | None = None  # why an insufficient or contradicted claim was approved
    channel: str | None = None  # CHANNELS; None for decisions recorded before channels


@dataclass(frozen=True)
class Shown:
    """A claim as a decision form showed it to the director, captured when the form is drawn.

    A decision is checked against the claim as it stands when the decision is made: if any
    of these changed meanwhile, the director decided on something they did not see.
    """

    claim_id: str
    status: str
    wording: str
    cited_pmids: tuple[str, ...]  # the claim's citations, or the recommended ones if none
    evidence_digest: str
    support: str
    studies: int = 0
    last_event_id: int | None = None  # the newest decision on the claim then


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
    drug: str | None = None
    routes: tuple[str, ...] = ()
    form: str = "other"  # FORMS, from drug and routes (claims.support.study_form)
    abstract: str | None = None
    matched: bool = True  # the claim's label query matches it (else judged or added by hand)
    added_by: str | None = None  # a reviewer added it by hand
    verdict: str | None = None  # the newest judgement by a person (VERDICTS); None: unjudged
    judged_by: str | None = None
    judged_at: datetime | None = None
    note: str | None = None

    @property
    def direction(self) -> str | None:
        """for / against / mixed from the person's judgement; None if unjudged or irrelevant."""
        return JUDGED_DIRECTIONS.get(self.verdict or "")


@dataclass(frozen=True)
class JudgedStudy:
    """One study a person judged as bearing on a claim, as the public may see it: no names,
    no notes."""

    pmid: str
    verdict: str  # supports / contradicts / mixed
    form: str
    design: str
    year: int | None = None


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
    # An approved claim's approved citations in the approved order (retracted and deleted
    # studies left out); any other claim's recommended ones, strongest first, then newest.
    references: tuple[Article, ...] = ()
    as_of: datetime | None = None  # when the data behind this was loaded
    kind: str = "efficacy"  # CLAIM_KINDS
    forms: tuple[str, ...] = ()  # the forms the claim is about (empty: any)
    regulatory: Mapping[str, str] = field(default_factory=dict)  # form -> regulatory note
    beyond_label: str | None = None  # a warning: the wording goes beyond an approved label
    judged: tuple[JudgedStudy, ...] = ()  # studies a person judged supports/contradicts/mixed
    support_by_form: dict[str, str] = field(default_factory=dict)  # form -> SUPPORT_STATUSES
    unjudged: int = 0  # candidate studies no person has judged yet
    preclinical_only: bool = False  # a mechanism claim shown as preclinical, never health


ALERT_KINDS = (
    "new_meta_analysis",  # a new meta-analysis matches an approved claim's evidence query
    "new_rct",  # a new RCT matches it
    "new_negative",  # a new study of any design points against the claim
    "new_mixed",  # a new study with a mixed finding
    "retraction",  # a study the claim cites was retracted
    "concern",  # a study the claim cites got an expression of concern
    "erratum",  # a study the claim cites has an erratum linked in PubMed (ErratumIn)
    "update",  # a study the claim cites has an update linked in PubMed (UpdateIn)
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
    candidates: int = 0  # studies the queries found or a reviewer added
    unjudged: int = 0  # of those, not yet judged by a person
    judged: dict[str, int] = field(default_factory=dict)  # verdict -> studies
    by_form: dict[str, str] = field(default_factory=dict)  # form -> support status


@dataclass(frozen=True)
class WatchState:
    """What the last watch saw of a claim: its evidence and its status."""

    seen: frozenset[str]
    status: str | None


@dataclass(frozen=True)
class ClaimResults:
    """One refresh of every claim: decisions applied, evidence, support, and new alerts."""

    claims: tuple[Claim, ...]
    evidence: Mapping[str, Sequence[Evidence]]
    summaries: Mapping[str, SupportSummary]
    alerts: tuple[Alert, ...]
