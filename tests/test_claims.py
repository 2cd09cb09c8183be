"""Claims: the registry, the support rules on edge cases, decisions, and watching.

Studies are real records from data/ketamine/ whose design and finding each case sets by hand,
so every rule is exercised on the shapes the warehouse really holds.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from claims.registry import RegistryError, apply_events, check_event, load_claims, parse_registry
from claims.support import cebm_level, recommended_citations, summarise, support_status
from claims.watch import watch
from core.article import Article, CommentCorrection
from core.claim import Claim, ClaimEvent, Evidence, EvidenceQuery, WatchState
from core.settings import CLAIMS_FILE
from pubmed.parser import iter_records

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 21, 4, 0)
POSITIVE = EvidenceQuery(conditions=("depression",), outcomes=("efficacy",))
ANY_DESIGN = EvidenceQuery(conditions=("depression",), min_design="other")
HARM = EvidenceQuery(outcomes=("safety",), finding="negative", min_design="observational")


@pytest.fixture(scope="module")
def real() -> list[Article]:
    with (REPO / "data" / "ketamine" / "ketamine-records.xml").open("rb") as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]


def judged_as(finding: str, query: EvidenceQuery) -> str | None:
    """The judgement an honest reviewer gives a study whose finding is read as this."""
    if finding == query.finding:
        return "supports"
    if finding == query.opposing:
        return "contradicts"
    return "mixed" if finding == "mixed" else None


def studies(
    real: list[Article],
    *shapes: tuple[str, str],
    query: EvidenceQuery | None = None,
    **flags: bool,
) -> list[Evidence]:
    """Evidence from real records, each given a (design, finding) shape and judged by a
    person as that finding reads against the claim (POSITIVE unless a query is given)."""
    return [
        Evidence(
            pmid=a.pmid,
            design=design,
            finding=finding,
            sample_size=40 + n,
            year=a.year or 2000 + n,
            title=a.title,
            abstract=a.abstract,
            drug=a.drug,
            routes=tuple(a.routes),
            verdict=judged_as(finding, query or POSITIVE),
            **flags,
        )
        for n, (a, (design, finding)) in enumerate(zip(real, shapes, strict=False))
    ]


# --- the registry -----------------------------------------------------------------------------


def test_the_shipped_registry_holds_every_claim_the_page_makes() -> None:
    claims = {c.claim_id: c for c in load_claims(CLAIMS_FILE)}
    assert set(claims) == {
        "rapid-relief",
        "treatment-resistant-depression",
        "suicidal-thoughts",
        "anxiety",
        "ptsd",
        "chronic-pain",
        "neuroplasticity",
        "side-effects",
        "lasting-effects",
        "routes",
        "supervised-setting",
    }
    assert claims["suicidal-thoughts"].evidence.outcomes == ("suicidality",)
    assert claims["suicidal-thoughts"].forms == ("esketamine_nasal",)
    assert claims["supervised-setting"].evidence.finding == "negative"
    assert set(claims["routes"].evidence.routes) == {"iv", "intranasal"}
    assert claims["routes"].kind == "practice"
    assert set(claims["routes"].forms) == {"iv_racemic", "esketamine_nasal"}
    assert claims["neuroplasticity"].kind == "mechanism"
    assert claims["side-effects"].kind == "safety_profile"
    assert all(
        set(c.regulatory) == {"iv_racemic", "esketamine_nasal", "other"} for c in claims.values()
    )
    assert "off-label" in claims["routes"].regulatory["iv_racemic"]
    assert claims["anxiety"].beyond_label and not claims["suicidal-thoughts"].beyond_label
    assert all(c.status == "draft" for c in claims.values()), "only the director approves"


def test_registry_wording_paraphrases_rather_than_copies_the_page() -> None:
    page = REPO.parent / "shared" / "seed" / "clinic-page.txt"
    if not page.exists():
        pytest.skip("the clinic's page is not beside this checkout")
    sentences = {
        " ".join(s.split()).lower()
        for s in re.split(r"(?<=[.!?])\s+", page.read_text(encoding="utf-8"))
        if len(s.split()) > 5
    }
    for claim in load_claims(CLAIMS_FILE):
        assert claim.wording.lower() not in sentences, claim.claim_id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"conditions": ["insomnia"]}, "conditions"),
        ({"min_design": "anecdote"}, "min_design"),
        ({"finding": "mixed"}, "finding"),
        ({"terms": ["(unclosed"]}, "not a valid pattern"),
        ({"population": "adults"}, "unknown evidence keys"),
    ],
)
def test_registry_errors_name_the_claim_and_the_field(change: dict, message: str) -> None:
    doc = yaml.safe_load(CLAIMS_FILE.read_text(encoding="utf-8"))
    doc["claims"][2]["evidence"].update(change)
    with pytest.raises(RegistryError, match=message) as info:
        parse_registry(doc)
    assert doc["claims"][2]["id"] in str(info.value)


def test_registry_refuses_duplicate_ids_and_an_empty_list() -> None:
    doc = yaml.safe_load(CLAIMS_FILE.read_text(encoding="utf-8"))
    doc["claims"].append(dict(doc["claims"][0]))
    with pytest.raises(RegistryError, match="appears twice"):
        parse_registry(doc)
    with pytest.raises(RegistryError, match="non-empty"):
        parse_registry({"claims": []})


# --- support rules ----------------------------------------------------------------------------


def test_no_studies_or_a_single_small_one_is_insufficient(real) -> None:
    assert support_status([], POSITIVE) == "insufficient"
    assert support_status(studies(real, ("observational", "positive")), POSITIVE) == (
        "insufficient"
    )
    only_none = studies(real, ("rct", "none"), ("rct", "none"))
    assert support_status(only_none, POSITIVE) == "insufficient"


def test_one_positive_meta_analysis_is_enough(real) -> None:
    assert support_status(studies(real, ("meta_analysis", "positive")), POSITIVE) == "supported"


def test_retracted_studies_never_count(real) -> None:
    retracted = studies(real, ("meta_analysis", "positive"), retracted=True)
    assert support_status(retracted, POSITIVE) == "insufficient"
    assert cebm_level(retracted, POSITIVE) is None
    assert recommended_citations(retracted, POSITIVE) == []
    live_negative = studies(real[5:], ("rct", "negative"), ("rct", "negative"))
    assert support_status(retracted + live_negative, POSITIVE) == "contradicted"


def test_the_strongest_tier_decides(real) -> None:
    mix = studies(
        real,
        ("meta_analysis", "positive"),
        ("meta_analysis", "positive"),
        ("rct", "negative"),
        ("rct", "negative"),
        ("rct", "negative"),
    )
    assert support_status(mix, POSITIVE) == "supported"
    against = studies(
        real,
        ("meta_analysis", "positive"),
        ("meta_analysis", "negative"),
        ("meta_analysis", "negative"),
        ("rct", "positive"),
        ("rct", "positive"),
    )
    assert support_status(against, POSITIVE) == "contradicted"


def test_supported_needs_twice_as_many_for_as_the_rest_of_the_tier(real) -> None:
    two_to_one = studies(real, ("rct", "positive"), ("rct", "positive"), ("rct", "mixed"))
    assert support_status(two_to_one, POSITIVE) == "supported"
    one_to_one = studies(real, ("rct", "positive"), ("rct", "mixed"))
    assert support_status(one_to_one, POSITIVE) == "mixed"
    tie = studies(real, ("rct", "positive"), ("rct", "negative"))
    assert support_status(tie, POSITIVE) == "mixed"


def test_a_claim_that_a_harm_exists_is_backed_by_negative_findings(real) -> None:
    harms = studies(real, ("rct", "negative"), ("observational", "negative"), query=HARM)
    assert support_status(harms, HARM) == "supported"
    safe = studies(real, ("rct", "positive"), ("observational", "positive"), query=HARM)
    assert support_status(safe, HARM) == "contradicted"


def test_cebm_level_is_that_of_the_best_backing_study(real) -> None:
    evidence = studies(
        real,
        ("meta_analysis", "negative"),
        ("rct", "positive"),
        ("observational", "positive"),
    )
    assert cebm_level(evidence, POSITIVE) == "2"
    assert cebm_level(studies(real, ("case_report", "positive")), ANY_DESIGN) == "4"
    assert cebm_level(studies(real, ("case_report", "positive")), POSITIVE) is None, "below rct"
    assert cebm_level(studies(real, ("other", "positive")), ANY_DESIGN) is None


def test_recommended_citations_are_strongest_then_newest_and_never_flagged(real) -> None:
    base = studies(
        real,
        ("rct", "positive"),
        ("meta_analysis", "positive"),
        ("rct", "positive"),
        ("rct", "negative"),
        ("observational", "positive"),
    )
    base[2] = dataclasses.replace(base[2], year=2024)
    base[0] = dataclasses.replace(base[0], year=2001)
    concern = dataclasses.replace(base[4], concern=True)
    order = recommended_citations([*base[:4], concern], POSITIVE)
    assert order == [base[1].pmid, base[2].pmid, base[0].pmid]


def test_summary_counts_participants_and_findings_without_retracted(real) -> None:
    evidence = studies(real, ("rct", "positive"), ("rct", "mixed"), ("observational", "none"))
    evidence.append(dataclasses.replace(studies(real[9:], ("rct", "positive"))[0], retracted=True))
    claim = Claim("c", "Wording.", "/p", "approved", POSITIVE)
    summary = summarise(claim, evidence)
    # judged studies only: the observational one is unjudged (and below the claim's rct)
    assert summary.counts_by_design == {"rct": 2}
    assert summary.findings == {"supports": 1, "mixed": 1}
    assert summary.participants == sum(e.sample_size for e in evidence[:2])
    assert summary.candidates == 4 and summary.unjudged == 1
    assert summary.retracted == (evidence[3].pmid,)
    assert summary.strongest[0] in {evidence[0].pmid, evidence[1].pmid}


# --- decisions ---------------------------------------------------------------------------------


def _event(action: str, minute: int, **values) -> ClaimEvent:
    return ClaimEvent(
        claim_id="anxiety",
        action=action,
        reviewer="Dr. Director",
        reason=f"{action} after review",
        decided_at=datetime(2026, 11, 1, 9, minute),
        **values,
    )


def test_decisions_apply_in_order_and_an_edit_needs_new_approval() -> None:
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == "anxiety")
    approved = apply_events(claim, [_event("approve", 1, cited_pmids=("40601310",))])
    assert approved.status == "approved" and approved.cited_pmids == ("40601310",)
    edited = apply_events(approved, [_event("edit", 2, wording="Ketamine may ease anxiety.")])
    assert edited.status == "draft" and edited.wording == "Ketamine may ease anxiety."
    graded = apply_events(edited, [_event("grade", 3, grade="low")])
    assert graded.grade == "low"
    assert apply_events(graded, [_event("withdraw", 4)]).status == "withdrawn"


def test_decisions_need_a_reason_a_reviewer_and_valid_values() -> None:
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == "anxiety")
    with pytest.raises(ValueError, match="reason"):
        check_event(dataclasses.replace(_event("approve", 1), reason="  "), claim)
    with pytest.raises(ValueError, match="reviewer"):
        check_event(dataclasses.replace(_event("approve", 1), reviewer=""), claim)
    with pytest.raises(ValueError, match="GRADE"):
        check_event(_event("grade", 1, grade="excellent"), claim)
    with pytest.raises(ValueError, match="PubMed ids"):
        check_event(_event("approve", 1, cited_pmids=("doi:10.1/x",)), claim)


# --- watching ----------------------------------------------------------------------------------


def _approved() -> Claim:
    return Claim("c", "Wording.", "/p", "approved", POSITIVE, cited_pmids=())


def test_the_first_watch_is_a_baseline_and_drafts_raise_nothing(real) -> None:
    evidence = studies(real, ("meta_analysis", "negative"))
    summary = summarise(_approved(), evidence)
    assert watch(_approved(), evidence, summary, None, {}, "run-1", NOW) == []
    draft = dataclasses.replace(_approved(), status="draft")
    assert watch(draft, evidence, summary, WatchState(frozenset(), None), {}, "run-1", NOW) == []


def test_new_strong_or_opposing_studies_and_status_changes_alert(real) -> None:
    old = studies(real, ("rct", "positive"), ("rct", "positive"))
    new = studies(real[2:], ("meta_analysis", "negative"), ("observational", "mixed"))
    claim = _approved()
    summary = summarise(claim, [*old, *new])
    previous = WatchState(frozenset(e.pmid for e in old), "supported")
    alerts = watch(claim, [*old, *new], summary, previous, {}, "run-2", NOW)
    kinds = {(a.kind, a.pmid) for a in alerts}
    assert kinds == {
        ("new_meta_analysis", new[0].pmid),
        ("new_negative", new[0].pmid),
        ("new_mixed", new[1].pmid),
        ("status_change", None),
    }
    assert summary.support == "contradicted"
    again = watch(claim, [*old, *new], summary, previous, {}, "run-2", NOW)
    assert [a.alert_id for a in again] == [a.alert_id for a in alerts], "ids are stable"


def test_a_cited_study_retracted_or_under_concern_alerts(real) -> None:
    cited = real[0]
    claim = dataclasses.replace(_approved(), cited_pmids=(cited.pmid,))
    retracted = dataclasses.replace(cited, retracted=True, concern=True)
    summary = summarise(claim, [])
    alerts = watch(claim, [], summary, None, {cited.pmid: retracted}, "run-3", NOW)
    assert {(a.kind, a.pmid) for a in alerts} == {
        ("retraction", cited.pmid),
        ("concern", cited.pmid),
    }
    assert cited.title and cited.title[:30] in alerts[0].detail


def test_an_erratum_or_update_on_a_cited_study_alerts_like_a_retraction() -> None:
    """21388667 is a real record with ErratumIn 34092359 (tests/data/pubmed_xml); the update
    link is the one PubMed gives 34013271 (UpdateIn 33576494 in data/pubmed's NLM file)."""
    fields = REPO / "tests" / "data" / "pubmed_xml" / "reviewer-fields.xml"
    with fields.open("rb") as stream:
        cited = next(r for r in iter_records(stream) if r.pmid == "21388667")
    assert isinstance(cited, Article)
    claim = dataclasses.replace(_approved(), cited_pmids=(cited.pmid,))
    summary = summarise(claim, [])
    alerts = watch(claim, [], summary, None, {cited.pmid: cited}, "run-4", NOW)
    assert [(a.kind, a.pmid) for a in alerts] == [("erratum", cited.pmid)]
    assert "34092359" in alerts[0].detail and cited.title and cited.title[:30] in alerts[0].detail
    again = watch(claim, [], summary, None, {cited.pmid: cited}, "run-5", NOW)
    assert [a.alert_id for a in again] == [a.alert_id for a in alerts], "ids are stable"

    updated = dataclasses.replace(
        cited,
        comments_corrections=(
            *cited.comments_corrections,
            CommentCorrection("UpdateIn", "33576494"),
            CommentCorrection("CommentIn", "30000000"),
        ),
    )
    later = watch(claim, [], summary, None, {cited.pmid: updated}, "run-6", NOW)
    assert {(a.kind, a.pmid) for a in later} == {("erratum", cited.pmid), ("update", cited.pmid)}
    assert alerts[0].alert_id in {a.alert_id for a in later}, "the erratum is not raised anew"
    corrected_again = dataclasses.replace(
        cited,
        comments_corrections=(*cited.comments_corrections, CommentCorrection("ErratumIn", "1")),
    )
    twice = watch(claim, [], summary, None, {cited.pmid: corrected_again}, "run-7", NOW)
    assert len({a.alert_id for a in twice}) == 2, "a second erratum is a new alert"
    draft = dataclasses.replace(claim, status="draft")
    assert watch(draft, [], summary, None, {cited.pmid: cited}, "run-8", NOW) == []
