"""The medical director's decisions on claims, checked the same way wherever they are made.

``form_state`` captures what a decision form shows when it is drawn (the dashboard's form, or
the ``claims`` command at the moment it runs); ``decide`` re-reads the claim as it stands,
refuses the decision if anything it showed has changed since, or if the person is not a
medical director, and then saves it through the warehouse's inbox, merges it when the
warehouse is free and republishes the public site where one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claims.dossier import freeze_dossier
from claims.publish import NotOurSite, Published
from claims.refresh import publish_site, settle
from claims.registry import check_event, load_claims
from claims.state import ClaimState, read_state
from claims.state import shown as shown_now
from core.claim import CHANNELS, NEEDS_OVERRIDE, Claim, ClaimEvent, Shown
from core.settings import CLAIMS_FILE, Settings
from warehouse.inbox import new_inbox_id, save_claim_event

MAX_REASON = 2000


class DecisionRefused(ValueError):
    """The decision is not allowed as made; the message says why. Nothing was saved."""


class NotADirector(DecisionRefused):
    """Only a configured medical director decides claims."""


class StaleDecision(DecisionRefused):
    """What the form showed has changed since it was drawn."""


@dataclass(frozen=True)
class Decision:
    """A saved decision, and what followed from it."""

    event: ClaimEvent
    merged: bool  # merged into the warehouse at once (else the nightly job merges it)
    site: Published | None = None  # the site republished, where one is configured
    site_error: str | None = None  # why the configured site could not be republished


def form_state(db_path: Path, claim_id: str, *, claims_file: Path = CLAIMS_FILE) -> Shown:
    """What a decision form on the claim shows now: capture it when the form is drawn."""
    registry = load_claims(claims_file)
    return shown_now(read_state(db_path, registry, claim_id=claim_id), claim_id)


def decide(
    db_path: Path,
    *,
    claim_id: str,
    action: str,
    by: str,
    reason: str,
    shown: Shown,
    wording: str | None = None,
    cited_pmids: list[str] | tuple[str, ...] | None = None,
    grade: str | None = None,
    override: str | None = None,
    channel: str = "dashboard",
    settings: Settings,
) -> Decision:
    """Check a decision against the claim as it stands, save it, merge it, republish.

    NotADirector, StaleDecision or DecisionRefused (a ValueError) says why it was refused.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel is one of {CHANNELS}")
    if "director" not in settings.roles_of(by):
        raise NotADirector(
            f"{by.strip() or 'nobody'} is not a medical director (EVIDENCE_DIRECTORS); "
            "only medical directors decide claims"
        )
    registry = load_claims(settings.claims_file)
    state = read_state(db_path, registry, claim_id=claim_id, pmids=cited_pmids or ())
    _check_fresh(shown, shown_now(state, claim_id), action)
    claim = state.claim(claim_id)
    if action == "approve":
        wording = wording if wording is not None else shown.wording
        cited_pmids = tuple(shown.cited_pmids if cited_pmids is None else cited_pmids)
        _check_approval(shown, override, cited_pmids, state)
    event = new_claim_event(
        claim,
        action=action,
        reviewer=by.strip().lower(),
        reason=reason,
        wording=wording,
        cited_pmids=cited_pmids,
        grade=grade,
        evidence_digest=shown.evidence_digest,
        override_reason=override if action == "approve" else None,
        channel=channel,
    )
    save_claim_event(db_path, event)
    if action == "approve":  # frozen from the state the approval was just checked against
        freeze_dossier(db_path, state, event)
    merged = settle(db_path, registry)
    site, error = _republish(db_path, settings)
    return Decision(event, merged, site, error)


def _check_fresh(before: Shown, now: Shown, action: str) -> None:
    """Refuse a form drawn on a claim that has changed since.

    A withdrawal only needs no other decision made meanwhile: taking a claim off the site
    is never made unsafe by new evidence.
    """
    if before.claim_id != now.claim_id:
        raise StaleDecision("the form was drawn for another claim")
    claim, redraw = now.claim_id, "; look again at the claim as it stands now"
    if action != "withdraw":
        if before.wording != now.wording:
            raise StaleDecision(f"the wording of {claim} changed since the form{redraw}")
        if before.cited_pmids != now.cited_pmids:
            raise StaleDecision(f"the citations of {claim} changed since the form{redraw}")
        if before.evidence_digest != now.evidence_digest:
            change = "" if before.support == now.support else f" (support now {now.support})"
            raise StaleDecision(f"the evidence for {claim} changed since the form{change}{redraw}")
    if before.last_event_id != now.last_event_id or before.status != now.status:
        raise StaleDecision(f"another decision was made on {claim} since the form{redraw}")


def _check_approval(
    shown: Shown, override: str | None, cited: tuple[str, ...], state: ClaimState
) -> None:
    """An approval of weak support needs an override with a reason; citations must be real
    studies the warehouse holds, none retracted."""
    if shown.support in NEEDS_OVERRIDE and not " ".join((override or "").split()):
        raise DecisionRefused(
            f"the evidence is {shown.support}: approving needs an override with a reason"
        )
    bad = [p for p in cited if not p.strip().isdigit()]
    if bad:
        raise DecisionRefused(f"cited studies are PubMed ids (digits only), not {bad[0]!r}")
    missing = [p for p in cited if p not in state.articles or state.articles[p].deleted]
    if missing:
        raise DecisionRefused(f"cited PMID {', '.join(missing)} not in the warehouse")
    retracted = [p for p in cited if state.articles[p].retracted]
    if retracted:
        raise DecisionRefused(f"cited PMID {', '.join(retracted)} is retracted")


def _republish(db_path: Path, settings: Settings) -> tuple[Published | None, str | None]:
    """Republish the configured site; the decision stands whatever happens here."""
    if settings.publish_dir is None:
        return None, None
    try:
        # Settled just now if the warehouse was free: no second wait for it.
        update = publish_site(db_path, settings.claims_file, settings.publish_dir, wait_seconds=0.0)
    except (NotOurSite, OSError, TimeoutError) as exc:
        return None, str(exc)
    return update.site, None


def new_claim_event(
    claim: Claim,
    *,
    action: str,
    reviewer: str,
    reason: str,
    wording: str | None = None,
    cited_pmids: list[str] | tuple[str, ...] | None = None,
    grade: str | None = None,
    evidence_digest: str | None = None,
    override_reason: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> ClaimEvent:
    """A validated decision with its id and time (naive UTC).

    An approval always holds the wording and citations it approves, given or not.
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise DecisionRefused(f"the reason is limited to {MAX_REASON} characters")
    if wording is not None:
        wording = " ".join(wording.split())
    cited = None if cited_pmids is None else tuple(p.strip() for p in cited_pmids if p.strip())
    if action == "approve":
        wording = wording if wording is not None else claim.wording
        cited = claim.cited_pmids if cited is None else cited
    override = " ".join((override_reason or "").split()) or None
    event = ClaimEvent(
        claim_id=claim.claim_id,
        action=action,
        reviewer=reviewer.strip(),
        reason=reason,
        decided_at=now,
        wording=wording,
        cited_pmids=cited,
        grade=grade,
        event_id=new_inbox_id(now),
        evidence_digest=evidence_digest,
        override_reason=override,
        channel=channel,
    )
    try:
        return check_event(event, claim)
    except DecisionRefused:
        raise
    except ValueError as exc:
        raise DecisionRefused(str(exc)) from None


def new_alert_ack(
    alert_id: str, reviewer: str, note: str = "", *, now: datetime | None = None
) -> dict[str, Any]:
    """That the director has seen an alert: who, when, and an optional note."""
    if not reviewer.strip():
        raise ValueError("an acknowledgement needs the reviewer's name")
    return {
        "alert_id": alert_id,
        "reviewer": reviewer.strip(),
        "note": note.strip(),
        "acknowledged_at": now or datetime.now(UTC).replace(tzinfo=None),
    }
