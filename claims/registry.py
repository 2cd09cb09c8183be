"""The claims registry (``claims/registry.yaml``) and the director's decisions applied to it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from core.article import CONDITIONS, DESIGN_RANK, DESIGNS, OUTCOMES, ROUTES
from core.claim import (
    CLAIM_ACTIONS,
    CLAIM_KINDS,
    CLAIM_STATUSES,
    FORMS,
    GRADE_LEVELS,
    STUDIED_DRUGS,
    Claim,
    ClaimEvent,
    EvidenceQuery,
)
from core.settings import CLAIMS_FILE


class RegistryError(ValueError):
    """The claims registry is malformed; the message names the claim and the field."""


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
    kind = entry.get("kind", "efficacy")
    if kind not in CLAIM_KINDS:
        raise RegistryError(f"{where}: kind {kind!r} is not one of {CLAIM_KINDS}")
    beyond = " ".join(str(entry.get("beyond_label") or "").split()) or None
    return Claim(
        claim_id=claim_id,
        wording=wording,
        page=str(entry.get("page") or ""),
        status=status,
        evidence=replace(_query(query, where), kind=kind, forms=_forms(entry, where)),
        cited_pmids=cited,
        regulatory=_regulatory(entry.get("regulatory"), where),
        beyond_label=beyond,
    )


def _forms(entry: Mapping[str, Any], where: str) -> tuple[str, ...]:
    raw = entry.get("forms") or ()
    forms = tuple(raw) if isinstance(raw, list | tuple) else (raw,)
    bad = [f for f in forms if f not in FORMS]
    if bad:
        raise RegistryError(f"{where}: forms {bad} not in {FORMS}")
    if entry.get("kind") == "practice" and not forms:
        raise RegistryError(f"{where}: a practice claim names the forms it describes")
    return forms


def _regulatory(raw: Any, where: str) -> dict[str, str]:
    """form -> the regulatory note for that form (approved indication, or off-label)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        raise RegistryError(f"{where}: regulatory maps forms to notes")
    bad = [f for f in raw if f not in FORMS]
    if bad:
        raise RegistryError(f"{where}: regulatory forms {bad} not in {FORMS}")
    return {f: " ".join(str(raw[f]).split()) for f in FORMS if f in raw}


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


def standing_approval(claim_id: str, events: Iterable[ClaimEvent]) -> ClaimEvent | None:
    """The approval the claim stands on now: its last one, unless edited or withdrawn since."""
    approval = None
    for event in events:
        if event.claim_id != claim_id:
            continue
        if event.action == "approve":
            approval = event
        elif event.action in ("edit", "withdraw"):
            approval = None
    return approval


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
    unchanged = wording in (None, claim.wording) and (
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


def load_claims(path: Path = CLAIMS_FILE) -> list[Claim]:
    """Read and check the claims registry (RegistryError names what is wrong, and where)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from None
    return parse_registry(doc)
