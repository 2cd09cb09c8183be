"""Substantiation dossiers: what a claim's approval stood on, frozen the moment it was made.

When the medical director approves a claim, ``freeze_dossier`` records the approved wording,
who approved it and when, every study behind it (design, participants, finding, key finding,
retraction, model version), the support rule applied with its counts, the override reason if
any and what the records lack. It is written once, as ``<dossier_id>.json`` (canonical JSON:
its sha256 is the dossier's digest, so ``sha256sum`` checks it) and ``.html`` in the folder
beside the warehouse, and into the warehouse's ``claim_dossiers`` table when the warehouse is
free; neither is ever rewritten, so later evidence cannot change what an approval stood on.
The public page shows the digest, never the approver.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from claims.citations import record_gaps
from claims.dossier_page import dossier_html
from claims.registry import standing_approval
from claims.site import Review
from claims.state import ClaimState
from claims.support import counted, strength_order, summarise, top_tier
from core.article import Article
from core.claim import Claim, ClaimEvent, Evidence
from warehouse.db import Warehouse, snapshot_path

DOSSIER_VERSION = 1
READ_WAIT_SECONDS = 30.0
RULE_TEXT = (
    "Only studies a person judged as bearing on the claim count (supports, contradicts, mixed), "
    "not retracted and admissible for it (design at or above the minimum; a health claim never "
    "on preclinical work; only studies of the claim's forms). Fewer than two, with no "
    "meta-analysis, is insufficient. The strongest tier present decides (meta-analyses, else "
    "randomised trials, else every counted study): contradicted when more of it is against the "
    "claim than for it, supported when those for it are at least twice the rest, else mixed. A "
    "practice claim about several forms takes the support of its worst-backed form."
)
TIERS = {"meta_analysis": "meta-analyses", "rct": "randomised controlled trials"}


@dataclass(frozen=True)
class Dossier:
    """One frozen dossier: its identity, digest and body (the canonical JSON's content)."""

    dossier_id: str
    claim_id: str
    event_id: int
    approved_at: datetime
    sha256: str
    body: Mapping[str, Any]

    def json_bytes(self) -> bytes:
        return canonical_json(self.body)

    def html(self) -> str:
        return dossier_html(self.body, self.sha256)


def canonical_json(body: Mapping[str, Any]) -> bytes:
    """The one byte form of a dossier its digest is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def dossier_from_json(data: bytes) -> Dossier:
    """A stored dossier back from its canonical JSON, its digest recomputed from the bytes."""
    body = json.loads(data)
    return Dossier(
        dossier_id=body["dossier_id"],
        claim_id=body["claim_id"],
        event_id=int(body["approval"]["event_id"]),
        approved_at=datetime.fromisoformat(body["approval"]["approved_at"]),
        sha256=hashlib.sha256(data).hexdigest(),
        body=body,
    )


def dossier_dir(db_path: Path | str) -> Path:
    """Where a warehouse's dossier files live: beside it, named after it."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.dossiers")


# --- building (pure) ---------------------------------------------------------------------------


def build_dossier(
    claim: Claim,
    event: ClaimEvent,
    evidence: Sequence[Evidence],
    articles: Mapping[str, Article],
    *,
    as_of: datetime | None,
    support: Any = None,
) -> Dossier:
    """The dossier of one approval, from the claim's evidence as the director saw it."""
    if event.action != "approve" or event.event_id is None:
        raise ValueError("a dossier is made for a saved approval")
    dossier_id = f"{claim.claim_id}-{event.event_id}"
    counts = {e.pmid for e in counted(evidence, claim.evidence)}
    studies = [
        _study(e, articles.get(e.pmid), event, e.pmid in counts)
        for e in sorted(evidence, key=strength_order)
        if e.verdict  # judged by a person: what the support stands on
    ]
    body = {
        "dossier_version": DOSSIER_VERSION,
        "dossier_id": dossier_id,
        "claim_id": claim.claim_id,
        "wording": event.wording or claim.wording,
        "page": claim.page,
        "kind": claim.kind,
        "forms": list(claim.forms),
        "regulatory": dict(getattr(support, "regulatory", None) or {}),
        "beyond_label": getattr(support, "beyond_label", None),
        "approval": _approval(event),
        "rule": rule_applied(claim, evidence),
        "studies": studies,
        "incomplete_records": _incomplete(studies),
        "evidence_as_of": as_of.isoformat() if as_of else None,
    }
    data = canonical_json(body)
    return Dossier(
        dossier_id,
        claim.claim_id,
        event.event_id,
        event.decided_at,
        hashlib.sha256(data).hexdigest(),
        json.loads(data),
    )


def _approval(event: ClaimEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "approved_by": event.reviewer,
        "approved_at": event.decided_at.isoformat(),
        "channel": event.channel,
        "reason": event.reason,
        "override_reason": event.override_reason,
        "cited_pmids": list(event.cited_pmids or ()),
        "grade": event.grade,
        "evidence_digest": event.evidence_digest,
    }


def rule_applied(claim: Claim, evidence: Sequence[Evidence]) -> dict[str, Any]:
    """Which rule decided the support, on which studies, with its counts."""
    query = claim.evidence
    summary = summarise(claim, evidence)
    studies = counted(evidence, query)
    tier = top_tier(studies)
    designs = {e.design for e in tier}
    name = next((TIERS[d] for d in TIERS if designs == {d}), "every counted study")
    directions = Counter(e.direction for e in tier)
    return {
        "support": summary.support,
        "cebm_level": summary.cebm_level,
        "rule": RULE_TEXT,
        "kind": query.kind,
        "minimum_design": query.min_design,
        "candidates": len(evidence),
        "unjudged": summary.unjudged,
        "judged": dict(summary.judged),
        "counted": len(studies),
        "retracted": sum(bool(e.retracted) for e in evidence),
        "deciding_tier": name,
        "tier_studies": len(tier),
        "tier_for": directions["for"],
        "tier_against": directions["against"],
        "tier_mixed": directions["mixed"],
        "support_by_form": dict(summary.by_form),
        "participants": summary.participants,
        "counts_by_design": dict(summary.counts_by_design),
    }


def _study(e: Evidence, article: Article | None, event: ClaimEvent, counts: bool) -> dict[str, Any]:
    lacks = list(record_gaps(article)) if article else ["record not in the warehouse"]
    return {
        "pmid": e.pmid,
        "title": e.title,
        "year": e.year,
        "design": e.design,
        "participants": e.sample_size,
        "finding": e.finding,
        "judgement": e.verdict,
        "judged_by": e.judged_by,
        "judged_at": e.judged_at.isoformat() if e.judged_at else None,
        "judgement_note": e.note,
        "counted": counts,
        "form": e.form,
        "key_finding": article.key_finding if article else None,
        "retracted": bool(e.retracted),
        "concern": bool(e.concern),
        "model_version": article.model_version if article else None,
        "cited": e.pmid in (event.cited_pmids or ()),
        "lacks": lacks,
    }


def _incomplete(studies: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {
        "studies": len(studies),
        "no_authors": sum("no authors listed in PubMed" in s["lacks"] for s in studies),
        "no_year": sum("year not recorded" in s["lacks"] for s in studies),
    }


# --- freezing, storing, reading ---------------------------------------------------------------


def freeze_dossier(db_path: Path, state: ClaimState, event: ClaimEvent) -> Dossier:
    """Build and write the dossier of an approval just saved, from the state it was checked
    against (the records it lacks are read from the same file)."""
    claim = state.claim(event.claim_id)
    evidence = state.evidence.get(event.claim_id, ())
    articles = dict(state.articles)
    missing = [e.pmid for e in evidence if e.pmid not in articles]
    if missing:
        articles.update({a.pmid: a for a in _read_articles(state.source, missing)})
    support = _support_of(state, event.claim_id)
    dossier = build_dossier(claim, event, evidence, articles, as_of=state.as_of, support=support)
    write_dossier_files(dossier_dir(db_path), dossier)
    return dossier


def _support_of(state: ClaimState, claim_id: str) -> Any:
    from claims.state import supports

    return next((s for s in supports(state) if s.claim_id == claim_id), None)


def _read_articles(source: Path, pmids: Sequence[str]) -> list[Article]:
    wh = Warehouse.open_when_free(source, read_only=True, wait_seconds=READ_WAIT_SECONDS)
    if wh is None:
        raise TimeoutError(f"{source} stayed locked by another process")
    with wh:
        return wh.articles(list(pmids))


def write_dossier_files(folder: Path, dossier: Dossier) -> tuple[Path, Path]:
    """Write the dossier's JSON and HTML once; an existing file is never replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, data in ((".json", dossier.json_bytes()), (".html", dossier.html().encode())):
        path = folder / f"{dossier.dossier_id}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            paths.append(path)  # frozen already: the first write stands
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        paths.append(path)
    return paths[0], paths[1]


def store_dossiers(wh: Warehouse, db_path: Path) -> int:
    """Insert the dossier files the warehouse does not hold yet (never updating one held)."""
    folder = dossier_dir(db_path)
    if not folder.is_dir():
        return 0
    held = set(wh.dossier_ids())
    new = [
        dossier_from_json(path.read_bytes())
        for path in sorted(folder.glob("*.json"))
        if path.stem not in held
    ]
    return wh.add_dossiers([_row(d) for d in new])


def _row(d: Dossier) -> dict[str, Any]:
    return {
        "dossier_id": d.dossier_id,
        "claim_id": d.claim_id,
        "event_id": d.event_id,
        "approved_at": d.approved_at,
        "sha256": d.sha256,
        "body": d.json_bytes().decode(),
        "html": d.html(),
    }


def read_dossiers(db_path: Path, claim_id: str | None = None) -> list[Dossier]:
    """Every dossier (or one claim's), oldest first: the warehouse's, and any file not merged
    into it yet. For the Claims page and the ``claims dossier`` command."""
    found: dict[str, Dossier] = {}
    source = snapshot_path(db_path)
    source = source if source.exists() else Path(db_path)
    if source.exists():
        wh = Warehouse.open_when_free(source, read_only=True, wait_seconds=READ_WAIT_SECONDS)
        if wh is None:
            raise TimeoutError(f"{source} stayed locked by another process")
        with wh:
            for body in wh.dossier_bodies(claim_id):
                d = dossier_from_json(body.encode())
                found[d.dossier_id] = d
    folder = dossier_dir(db_path)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        if path.stem not in found:
            d = dossier_from_json(path.read_bytes())
            if claim_id is None or d.claim_id == claim_id:
                found[d.dossier_id] = d
    return sorted(found.values(), key=lambda d: (d.approved_at, d.event_id))


def dossier_digests(db_path: Path) -> dict[int, str]:
    """The digest of every dossier, by the approval (event id) it was frozen at."""
    return {d.event_id: d.sha256 for d in read_dossiers(db_path)}


def public_reviews(db_path: Path, state: ClaimState) -> dict[str, Review]:
    """Per approved claim, what its public page may say of the approval it stands on: the
    day, and the digest of the dossier frozen then (never who approved it)."""
    digests = dossier_digests(db_path)
    out = {}
    for claim in state.claims:
        approval = standing_approval(claim.claim_id, state.events)
        if approval is not None:
            digest = digests.get(approval.event_id) if approval.event_id is not None else None
            out[claim.claim_id] = Review(approval.decided_at.date(), digest)
    return out
