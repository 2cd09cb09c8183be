"""Outcome rules: suicidality where a study of an effect targets it (TAXONOMY.md; seven
labelled examples), and the outcomes the guide lets a record's design and finding carry."""

from __future__ import annotations

import numpy as np
import pytest

from core.article import Article
from labels.features import document
from labels.rules.outcomes import guided_outcomes, unsure_outcomes, with_suicidality


@pytest.mark.parametrize(
    ("title", "aim", "finding", "expected"),
    [
        # a trial in patients with suicidal ideation measures it
        (
            "ketamine for rapid reduction of suicidal ideation: a randomized controlled trial",
            "",
            "positive",
            ("efficacy", "suicidality"),
        ),
        (
            "a pilot trial of lithium",
            "to test whether lithium reduces suicide attempts",
            "mixed",
            ("efficacy", "suicidality"),
        ),
        # a survey of who has suicidal thoughts reports no effect of anything
        ("prevalence of suicidal ideation among nurses", "", "none", ("efficacy",)),
        # self-harm without suicidal intent, and assisted dying, are not suicidality
        ("an app for non-suicidal self-injury in adolescents", "", "positive", ("efficacy",)),
        ("nonsuicidal self-injury after a school programme", "", "positive", ("efficacy",)),
        (
            "physician-assisted suicide requests after a palliative care service",
            "",
            "negative",
            ("efficacy",),
        ),
        # nothing about suicide: unchanged
        ("ketamine for treatment-resistant depression", "", "positive", ("efficacy",)),
    ],
)
def test_suicidality_is_added_to_a_study_of_an_effect_whose_title_or_aim_names_it(
    title: str, aim: str, finding: str, expected: tuple[str, ...]
) -> None:
    assert with_suicidality(("efficacy",), title, aim, finding) == expected


def test_the_outcomes_keep_their_order_and_are_not_added_twice() -> None:
    outcomes = ("efficacy", "suicidality", "safety")
    assert with_suicidality(outcomes, "suicide prevention trial", "", "positive") == outcomes
    added = with_suicidality(("efficacy", "safety"), "suicidal ideation trial", "", "positive")
    assert added == ("efficacy", "suicidality", "safety")


# --- the guide's outcomes section read against the record's design and finding ---------------

SURE_NONE = ("none", 0.85)  # the finding model sure that no result on an intervention is reported


def _guided(
    title: str,
    abstract: str,
    outcomes: tuple[str, ...],
    unsure: tuple[str, ...],
    design: str,
    finding: tuple[str, float] = ("positive", 0.8),
    types: tuple[str, ...] = ("Journal Article",),
) -> tuple[str, ...]:
    article = Article(pmid="0", title=title, abstract=abstract, publication_types=types)
    labels = {"outcomes": outcomes, "design": design, "finding": finding[0]}
    return guided_outcomes(labels, unsure, finding[1], article, document(article))


def test_a_trial_protocol_gets_no_outcomes() -> None:
    # the guide: protocols and commentaries get an empty list
    title = (
        "Efficacy of electroacupuncture therapy in patients with postherpetic neuralgia: study "
        "protocol for a multicenter, randomized, controlled, assessor-blinded trial."
    )
    abstract = (
        "This trial aims to investigate the efficacy and safety of electroacupuncture. A total "
        "of 132 patients will be randomly assigned to electroacupuncture plus medication or "
        "medication alone. The primary outcome is the pain score; adverse events will be recorded."
    )
    assert _guided(title, abstract, ("efficacy", "safety"), (), "review", ("none", 0.9)) == ()


def test_a_review_protocol_gets_no_outcomes() -> None:
    title = "Herbal medicine for post-stroke insomnia: a protocol for systematic review."
    abstract = "We will search eight databases for randomized controlled trials of herbal medicine."
    assert _guided(title, abstract, ("safety",), ("safety",), "review", ("none", 0.9)) == ()


def test_a_commentary_gets_no_outcomes() -> None:
    title = "Ketamine for depression: hope or hype?"
    abstract = (
        "Trials of ketamine report rapid antidepressant effects, but its dissociative side "
        "effects and misuse potential call for caution before routine use."
    )
    types = ("Editorial", "Comment")
    got = _guided(title, abstract, ("efficacy", "safety"), (), "review", ("none", 0.9), types)
    assert got == ()


def test_a_letter_reporting_a_study_keeps_its_outcomes() -> None:
    # a letter with data of its own is not designed ``review``
    title = "Intranasal ketamine for acute suicidal ideation in the emergency department."
    abstract = "We gave intranasal ketamine to 12 patients; suicidal ideation fell within hours."
    got = _guided(title, abstract, ("efficacy",), (), "case_report", ("positive", 0.7), ("Letter",))
    assert got == ("efficacy", "suicidality")


def test_a_treatment_protocol_in_the_title_is_not_a_study_protocol() -> None:
    # "ERAS protocol" names the care the patients received, and the study reports results
    title = "Enhanced recovery after surgery (ERAS) protocol compliance and length of stay."
    abstract = (
        "Patients were randomly assigned to an ERAS protocol. Higher compliance was associated "
        "with a shorter length of stay and fewer complications."
    )
    assert _guided(title, abstract, ("efficacy", "safety"), (), "review") == ("efficacy", "safety")


_COHORT = (
    "A prospective study of long-term outcomes among hospitalized COVID-19 patients with and "
    "without neurological complications."
)
_COHORT_ABSTRACT = (
    "We conducted a prospective study of 6-month outcomes of hospitalized COVID-19 patients. "
    "Patients with new neurological complications were matched to survivors without them. "
    "Patients with neurological complications had worse functional outcomes at 6 months."
)


def test_a_cohort_without_an_intervention_has_no_durability() -> None:
    # the guide: durability is follow-up after a treatment course ends; this cohort has none
    got = _guided(_COHORT, _COHORT_ABSTRACT, ("durability",), (), "observational", SURE_NONE)
    assert got == ()


def test_an_unsure_efficacy_goes_from_a_study_without_an_intervention() -> None:
    title = "Does ossification of the posterior longitudinal ligament affect neurological outcome?"
    abstract = (
        "We retrospectively assessed whether ossification of the posterior longitudinal ligament "
        "affects neurological recovery after acute cervical spinal cord injury in 200 patients. "
        "Neurological improvement did not differ between patients with and without it."
    )
    assert _guided(title, abstract, ("efficacy",), ("efficacy",), "observational", SURE_NONE) == ()


def test_what_the_guide_allows_a_study_without_an_intervention_stays() -> None:
    # mechanism for biomarker work, and an efficacy the classifier is sure of
    outcomes = ("efficacy", "mechanism")
    got = _guided(_COHORT, _COHORT_ABSTRACT, outcomes, ("mechanism",), "observational", SURE_NONE)
    assert got == outcomes


def test_a_trial_keeps_its_outcomes_whatever_the_finding_model_says() -> None:
    title = "Tenth year reenrollment randomized trial of childhood probiotics and calcium."
    abstract = (
        "We re-enrolled 238 adolescents 10 years after 6 months of supplementation with "
        "probiotics or calcium. Height and weight did not differ between the groups."
    )
    outcomes = ("efficacy", "durability")
    assert _guided(title, abstract, outcomes, ("efficacy",), "rct", SURE_NONE) == outcomes


def test_an_unsure_finding_of_none_leaves_the_outcomes() -> None:
    got = _guided(_COHORT, _COHORT_ABSTRACT, ("durability",), (), "observational", ("none", 0.45))
    assert got == ("durability",)


_TRIAL = "Intranasal esketamine for treatment-resistant depression: a randomized controlled trial."


def test_an_unsure_safety_is_given_where_the_abstract_reports_harms() -> None:
    abstract = (
        "Patients were randomized to esketamine or placebo nasal spray for 4 weeks. Depression "
        "scores fell more with esketamine. Esketamine was well tolerated; adverse events were "
        "mostly mild and transient."
    )
    got = _guided(_TRIAL, abstract, ("efficacy",), ("safety",), "rct")
    assert got == ("efficacy", "safety")


def test_an_unsure_safety_goes_where_the_abstract_names_no_harm() -> None:
    title = "Cromolyn sodium in the treatment of asthma associated with aspirin hypersensitivity."
    abstract = (
        "Four-week periods of cromolyn sodium or placebo were compared in a double-blind "
        "crossover study of 28 adults. There was a slight but significant improvement in the "
        "forced expiratory volume in one second after four weeks of cromolyn sodium."
    )
    assert _guided(title, abstract, ("efficacy", "safety"), ("safety",), "rct") == ("efficacy",)


def test_a_sure_safety_stays_without_a_harm_word() -> None:
    title = "Cromolyn sodium in the treatment of asthma associated with aspirin hypersensitivity."
    abstract = "Cromolyn sodium or placebo was given for four weeks to 28 adults with asthma."
    outcomes = ("efficacy", "safety")
    assert _guided(title, abstract, outcomes, (), "rct") == outcomes


def test_an_unsure_durability_needs_some_time_after_the_treatment() -> None:
    title = "Preincisional treatment to prevent pain after ambulatory hernia surgery."
    abstract = (
        "Patients were randomized to triple preincisional analgesia or placebo before inguinal "
        "hernia repair. Pain scores were 47% lower in the treatment group before discharge."
    )
    got = _guided(title, abstract, ("efficacy", "durability"), ("durability",), "rct")
    assert got == ("efficacy",)
    relapse = abstract + " Relapse of pain at 6 months was less frequent after treatment."
    got = _guided(title, relapse, ("efficacy", "durability"), ("durability",), "rct")
    assert got == ("efficacy", "durability")


def test_the_unsure_outcomes_are_those_near_their_threshold() -> None:
    probs = np.array([[0.45, 0.9, 0.2, 0.95, 0.6], [0.9, 0.1, 0.5, 0.4, 0.1]])
    thresholds = [0.43, 0.535, 0.465, 0.5, 0.43]
    assert unsure_outcomes(probs, thresholds) == [
        ("efficacy", "mechanism"),
        ("safety", "durability"),
    ]
