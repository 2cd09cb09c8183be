"""Claim kinds, drug forms, judged-only support and the learned ranking, on real records.

The records are the bundled PubMed records of data/ketamine/, labelled by the shipped models
(drug, routes, design as the warehouse would hold them); each case says how a reviewer judged
them. No rule here reads a label's direction as support.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from claims.judgements import JudgementRefused, new_judgement
from claims.ranking import rank_candidates, suggest
from claims.support import (
    apply_judgements,
    preclinical_only,
    study_form,
    summarise,
    support_by_form,
    support_status,
)
from core.article import Article
from core.claim import Claim, Evidence, EvidenceQuery
from labels.shipped import classify_articles
from pubmed.parser import iter_records

REPO = Path(__file__).resolve().parents[1]
ESKETAMINE_RCTS = ("31166571", "37771084", "40601310")  # intranasal esketamine trials
IV_PAIN_RCTS = ("9698948", "8628581", "8610220")  # IV racemic ketamine for chronic pain
PRECLINICAL = ("21867718", "26247862", "27062563")  # rodent antidepressant-like studies
T0 = datetime(2026, 11, 20, 9, 0)


@pytest.fixture(scope="module")
def records() -> dict[str, Article]:
    with (REPO / "data" / "ketamine" / "ketamine-records.xml").open("rb") as stream:
        real = [r for r in iter_records(stream) if isinstance(r, Article)]
    return {a.pmid: a for a in classify_articles(real)}


def ev(records: dict[str, Article], pmid: str, verdict: str | None = None) -> Evidence:
    a = records[pmid]
    assert a.design and a.drug
    return Evidence(
        pmid=a.pmid,
        design=a.design,
        finding=a.finding,
        sample_size=a.sample_size,
        year=a.year,
        title=a.title,
        abstract=a.abstract,
        drug=a.drug,
        routes=tuple(a.routes),
        form=study_form(a.drug, a.routes),
        verdict=verdict,
    )


def claim(kind: str, forms: tuple[str, ...] = (), **query: object) -> Claim:
    evidence = EvidenceQuery(kind=kind, forms=forms, **query)  # type: ignore[arg-type]
    return Claim("c", "Ketamine relieves depression within hours.", "/p", "draft", evidence)


def test_forms_come_from_drug_and_routes(records) -> None:
    assert {ev(records, p).form for p in ESKETAMINE_RCTS} == {"esketamine_nasal"}
    assert {ev(records, p).form for p in IV_PAIN_RCTS} == {"iv_racemic"}
    assert study_form("esketamine", ("iv",)) == "other"
    assert study_form("several", ("iv", "intranasal")) == "other"


def test_an_iv_claim_never_counts_nasal_spray_trials(records) -> None:
    iv = claim("efficacy", ("iv_racemic",)).evidence
    spray = [ev(records, p, "supports") for p in ESKETAMINE_RCTS]
    assert support_status(spray, iv) == "insufficient"
    iv_trials = [ev(records, p, "supports") for p in IV_PAIN_RCTS[:2]]
    assert support_status(spray + iv_trials, iv) == "supported"


def test_a_routes_statement_needs_judged_studies_of_each_form(records) -> None:
    routes = claim("practice", ("iv_racemic", "esketamine_nasal"), min_design="observational")
    spray = [ev(records, p, "supports") for p in ESKETAMINE_RCTS]
    assert support_status(spray, routes.evidence) == "insufficient", "no IV study judged"
    both = spray + [ev(records, p, "supports") for p in IV_PAIN_RCTS[:2]]
    assert support_status(both, routes.evidence) == "supported"
    assert support_by_form(both, routes.evidence) == {
        "iv_racemic": "supported",
        "esketamine_nasal": "supported",
    }


def test_a_health_claim_backed_only_by_preclinical_work_is_insufficient(records) -> None:
    mice = [ev(records, p, "supports") for p in PRECLINICAL]
    health = claim("efficacy", min_design="preclinical").evidence
    assert support_status(mice, health) == "insufficient"
    mechanism = claim("mechanism", min_design="preclinical")
    assert support_status(mice, mechanism.evidence) == "supported"
    assert preclinical_only(mice, mechanism.evidence), "shown as preclinical, never health"
    summary = summarise(mechanism, mice)
    assert summary.counts_by_design == {"preclinical": 3}


def test_support_counts_judged_studies_only(records) -> None:
    query = claim("efficacy", conditions=("chronic_pain",)).evidence
    unjudged = [ev(records, p) for p in IV_PAIN_RCTS]
    assert {e.finding for e in unjudged} == {"positive"}, "labels say they back it"
    assert support_status(unjudged, query) == "insufficient", "until a person judges them"
    summary = summarise(claim("efficacy"), unjudged)
    assert summary.unjudged == 3 and summary.counts_by_design == {}


def test_a_safety_profile_is_backed_by_studies_reporting_the_effects(records) -> None:
    side = claim(
        "safety_profile", outcomes=("safety",), terms=("nausea", "dissociat", "adverse")
    ).evidence
    # efficacy trials whose finding is "it worked", judged not to report the effects named
    worked = [ev(records, p, "irrelevant") for p in IV_PAIN_RCTS]
    assert support_status(worked, side) == "insufficient"
    # the same label finding, judged as reporting the effects: counts whatever the finding
    reports = [dataclasses.replace(e, verdict="supports", finding="negative") for e in worked]
    assert support_status(reports, side) == "supported"


def test_the_newest_judgement_counts_and_keeps_its_note(records) -> None:
    first = new_judgement("c", IV_PAIN_RCTS[0], "supports", "R@Clinic.example", "IV RCT", now=T0)
    later = new_judgement(
        "c",
        IV_PAIN_RCTS[0],
        "irrelevant",
        "r@clinic.example",
        "acute pain",
        now=T0 + timedelta(minutes=5),
    )
    other = new_judgement("other", IV_PAIN_RCTS[0], "supports", "r@clinic.example", now=T0)
    (e,) = apply_judgements("c", [ev(records, IV_PAIN_RCTS[0])], [later, first, other])
    assert (e.verdict, e.judged_by, e.note) == ("irrelevant", "r@clinic.example", "acute pain")
    with pytest.raises(JudgementRefused, match="one of supports"):
        new_judgement("c", "1", "maybe", "r@clinic.example")


def test_suggestions_follow_the_kind_and_are_never_support(records) -> None:
    spray = ev(records, ESKETAMINE_RCTS[0])
    iv = claim("efficacy", ("iv_racemic",))
    assert suggest(iv, spray)[0] == "irrelevant", "another form cannot back an IV claim"
    assert suggest(claim("efficacy"), spray)[0] == "supports"
    ranked = rank_candidates(claim("efficacy"), [spray])
    assert ranked[0].suggested == "supports"
    assert support_status([spray], claim("efficacy").evidence) == "insufficient"


def test_the_ranking_learns_from_judgements(records) -> None:
    """Judging esketamine trials relevant and pain trials irrelevant lifts an unjudged spray
    trial above an unjudged IV pain trial, whatever the heuristic thought first."""
    depression = Claim(
        "c",
        "Intravenous ketamine eases pain in fibromyalgia.",  # words that favour pain trials
        "/p",
        "draft",
        EvidenceQuery(kind="efficacy"),
    )
    spray_left, pain_left = ESKETAMINE_RCTS[2], IV_PAIN_RCTS[2]
    unjudged = [ev(records, spray_left), ev(records, pain_left)]
    before = [c.pmid for c in rank_candidates(depression, unjudged)]
    assert before.index(pain_left) < before.index(spray_left), "the heuristic prefers pain"
    judged = [ev(records, p, "supports") for p in ESKETAMINE_RCTS[:2]] + [
        ev(records, p, "irrelevant") for p in IV_PAIN_RCTS[:2]
    ]
    after = rank_candidates(depression, judged + unjudged)
    order = [c.pmid for c in after]
    assert order.index(spray_left) < order.index(pain_left)
    assert all(c.learned for c in after) and {c.pmid for c in after} == set(before)
