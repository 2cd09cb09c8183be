"""RCTs found and RCTs not invented: what makes an abstract that names randomisation an RCT.

The records are written the way PubMed abstracts word them, and the classifier's probabilities
are given, so each test reads one rule of the guide: people allocated at random make an RCT, and
a secondary analysis that uses the randomised comparison stays one; a prediction model's data
split at random, readers judging tests blind, laboratory animals and a trial's data analysed for
predictors do not.
"""

from __future__ import annotations

import pytest
from sample_records import design_of


@pytest.mark.parametrize(
    "abstract",
    [
        "We used registry data on 2741 adults with fatty liver disease. All participants were "
        "randomized to a training cohort (n = 2058) and a validation cohort (n = 683), and a "
        "model of eight noninvasive indicators predicted diabetes with an AUC of 0.81.",
        "Upon analysis, patients were assigned randomly to either a training (n = 217) or "
        "validation (n = 108) cohort; plasma androgen receptor predicted response to docetaxel.",
    ],
)
@pytest.mark.parametrize("classifier", [{"rct": 0.6, "observational": 0.3}, {"observational": 0.8}])
def test_a_data_split_at_random_is_a_prediction_model_not_an_rct(
    abstract: str, classifier: dict[str, float]
) -> None:
    # Part 2 rule 4: a machine-learning or diagnostic analysis of original data is observational
    assert (
        design_of("A model to predict type 2 diabetes", abstract, **classifier) == "observational"
    )


def test_readers_judging_films_blind_are_a_diagnostic_study() -> None:
    abstract = (
        "To evaluate the diagnostic role of chest radiography, a double-blind study comparing "
        "infants with patent ductus arteriosus and matched controls was undertaken. Three "
        "pediatric radiologists acted as observers; none was more reliable than chance."
    )
    title = "Chest film diagnosis of patent ductus arteriosus in infants"
    assert design_of(title, abstract, rct=0.8, observational=0.1) == "observational"


def test_a_double_blind_comparison_of_two_drugs_stays_an_rct() -> None:
    abstract = (
        "In this double-blind trial, 60 patients received drug A or drug B for eight weeks; the "
        "investigators who rated the outcome interpreted scans without knowing the drug."
    )
    assert design_of("Drug A or drug B in gout", abstract, rct=0.8, observational=0.1) == "rct"


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Mechanistic insights into cell-free hemoglobin-induced injury during septic shock.",
            "Fifty-one purpose-bred beagles were randomized to receive intrapulmonary bacteria or "
            "saline followed by cell-free hemoglobin or placebo. Animals received intensive care "
            "for 96 h.",
            "preclinical",
        ),
        # a veterinary field trial is an RCT (the guide, Part 2 rule 3)
        (
            "Intranasal versus subcutaneous booster vaccination of beef calves.",
            "On three farms, 120 calves were randomly assigned to an intranasal or a "
            "subcutaneous booster, and antibody titres were compared at day 28.",
            "rct",
        ),
    ],
)
def test_a_randomised_experiment_in_laboratory_animals_is_preclinical(
    title: str, abstract: str, expected: str
) -> None:
    assert design_of(title, abstract, rct=0.6, preclinical=0.3) == expected


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Variables associated with intravenous rehydration in children with gastroenteritis: "
            "a secondary analysis of 2 randomized clinical trials.",
            "Objective: to identify factors associated with intravenous fluid administration. "
            "This study is a planned secondary analysis of two probiotic trials.",
            "observational",
        ),
        (
            "Heart rate variability as a predictor of improvement in generalized anxiety disorder.",
            "This is a post-hoc analysis reporting data from a larger randomized controlled trial "
            "of three treatments; baseline heart rate variability predicted improvement.",
            "observational",
        ),
        # a secondary analysis that compares the randomised arms is still the trial's (rct)
        (
            "Effects of multi-domain lifestyle interventions on sarcopenia and blood biomarkers: "
            "secondary analysis of a randomized controlled trial.",
            "Frail older adults were randomly assigned to nutrition, exercise, cognitive training, "
            "their combination or usual care; we report the secondary outcomes.",
            "rct",
        ),
    ],
)
def test_a_trial_analysed_for_predictors_is_observational(
    title: str, abstract: str, expected: str
) -> None:
    assert design_of(title, abstract, rct=0.6, observational=0.3) == expected


def test_a_mediation_analysis_of_a_randomised_trial_is_an_rct() -> None:
    title = "Evaluating potential mediators of the impact of a family economic intervention."
    abstract = (
        "We utilized data from Suubi+Adherence, a six-year longitudinal randomized controlled "
        "trial (n = 702). Structural equation models examined six potential mediators of the "
        "intervention's effect on adolescents' mental health."
    )
    assert design_of(title, abstract, other=0.45, observational=0.28, rct=0.1) == "rct"


def test_slides_shown_at_random_are_not_people_allocated() -> None:
    abstract = (
        "Radiographs of fifty adolescents with spondylolysis and fifty controls were "
        "retrospectively reviewed. The slides were randomly presented to four spine surgeons."
    )
    title = "Do oblique views add value in the diagnosis of spondylolysis?"
    assert design_of(title, abstract, observational=0.9, rct=0.02) == "observational"
