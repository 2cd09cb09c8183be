"""The one record type that carries a study from parse to load.

Missing values are ``None``; lists are tuples (stored as DuckDB lists). Classification adds its
labels with ``dataclasses.replace`` so the parser never has to know about them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One part of a structured abstract, as PubMed labels it."""

    label: str | None
    category: str | None  # NlmCategory: BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS
    text: str


@dataclass(frozen=True, slots=True)
class Grant:
    """One GrantList entry: the grant number, the funding agency, its country."""

    id: str | None
    agency: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class CommentCorrection:
    """A linked record: an erratum, comment, update, retraction or concern, and its PMID."""

    type: str  # the RefType: ErratumIn, CommentOn, RetractionOf, ExpressionOfConcernIn ...
    pmid: str | None


@dataclass(frozen=True, slots=True)
class Article:
    """A PubMed record, parsed, and later labelled."""

    pmid: str
    title: str | None = None
    abstract: str | None = None
    abstract_sections: tuple[AbstractSection, ...] = ()
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    year: int | None = None
    pub_date: str | None = None
    doi: str | None = None
    pmc: str | None = None
    authors: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()
    mesh_major: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str | None = None
    status: str | None = None
    entry_date: date | None = None
    created_date: date | None = None
    revised_date: date | None = None
    is_book: bool = False
    retracted: bool = False
    retraction_notices: tuple[str, ...] = ()
    concern: bool = False
    concern_notices: tuple[str, ...] = ()
    retraction_of: tuple[str, ...] = ()
    concern_for: tuple[str, ...] = ()
    # What a reviewer weighs beyond the label (pubmed.xml_fields): registrations, disclosures.
    registry_ids: tuple[str, ...] = ()
    coi_statement: str | None = None
    grants: tuple[Grant, ...] = ()
    comments_corrections: tuple[CommentCorrection, ...] = ()
    affiliations: tuple[str, ...] = ()
    # Labels (TAXONOMY.md), filled by the classifier.
    conditions: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    finding: str | None = None
    design: str | None = None
    drug: str | None = None
    routes: tuple[str, ...] = ()
    sample_size: int | None = None
    key_finding: str | None = None
    confidence: tuple[tuple[str, float], ...] = ()
    model_version: str | None = None
    needs_review: tuple[str, ...] = ()  # fields whose confidence is below their review threshold
    deleted: bool = field(default=False)

    def to_json(self, only: Sequence[str] | None = None) -> dict[str, Any]:
        """Return a JSON-ready dict (of the fields ``only`` names, in that order, if given):
        tuples become lists, dates ISO strings."""
        names = only if only is not None else [f.name for f in dataclasses.fields(self)]
        out = {name: _jsonable(getattr(self, name)) for name in names}
        if "confidence" in out:
            out["confidence"] = dict(self.confidence)
        return out


@dataclass(frozen=True, slots=True)
class Deletion:
    """A ``DeleteCitation`` entry: the PMID is to be retired, not erased."""

    pmid: str

    def to_json(self) -> dict[str, Any]:
        return {"pmid": self.pmid, "deleted": True}


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record that could not be parsed, kept with its reason so nothing is lost."""

    reason: str
    pmid: str | None = None
    raw: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {"pmid": self.pmid, "quarantined": True, "reason": self.reason}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, AbstractSection):
        return {"label": value.label, "category": value.category, "text": value.text}
    if isinstance(value, Grant):
        return {"id": value.id, "agency": value.agency, "country": value.country}
    if isinstance(value, CommentCorrection):
        return {"type": value.type, "pmid": value.pmid}
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


# The label values of TAXONOMY.md, in its order (designs: "highest match wins").
CONDITIONS = ("depression", "anxiety", "ptsd", "chronic_pain")
OUTCOMES = ("efficacy", "suicidality", "safety", "durability", "mechanism")
FINDINGS = ("positive", "negative", "mixed", "none")
DESIGNS = (
    "meta_analysis",
    "rct",
    "nonrandomized_trial",
    "observational",
    "case_report",
    "preclinical",
    "review",
    "other",
)
DRUGS = ("ketamine", "esketamine", "arketamine", "several", "not_studied")
ROUTES = ("iv", "intranasal", "oral", "intramuscular", "sublingual", "subcutaneous")

# Strength of evidence: TAXONOMY.md's design order, 1 strongest (the one home of this fact).
DESIGN_RANK = {design: rank for rank, design in enumerate(DESIGNS, start=1)}


def designs_at_or_above(min_design: str) -> list[str]:
    """The designs at least as strong as min_design, strongest first."""
    return [d for d in DESIGNS if DESIGN_RANK[d] <= DESIGN_RANK[min_design]]


LABEL_FIELDS = (
    "conditions",
    "outcomes",
    "finding",
    "design",
    "drug",
    "routes",
    "sample_size",
)


_DATE_FIELDS = {"entry_date", "created_date", "revised_date"}


def article_from_json(data: dict[str, Any]) -> Article:
    """Rebuild an Article from ``to_json`` output (or any subset of its fields)."""
    names = {f.name for f in dataclasses.fields(Article)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names or value is None:
            continue
        if key in _DATE_FIELDS:
            value = date.fromisoformat(value)
        elif key == "abstract_sections":
            value = tuple(
                AbstractSection(s.get("label"), s.get("category"), s.get("text", "")) for s in value
            )
        elif key == "grants":
            value = tuple(Grant(g.get("id"), g.get("agency"), g.get("country")) for g in value)
        elif key == "comments_corrections":
            value = tuple(CommentCorrection(c["type"], c.get("pmid")) for c in value)
        elif key == "confidence":
            items = value.items() if isinstance(value, dict) else value
            value = tuple((str(k), float(v)) for k, v in items)
        elif isinstance(value, list):
            value = tuple(value)
        elif key == "pmid":
            value = str(value)
        values[key] = value
    return Article(**values)


def is_older_revision(article: Article, than: Article) -> bool:
    """True when article is an older revision than the one held: the one home of "newer wins"."""
    new, old = article.revised_date, than.revised_date
    return new is not None and old is not None and new < old
