"""The appraisal robots on real abstracts of the repository (expected values read off the text)."""

from __future__ import annotations

import pytest

from core.article import Article
from labels.appraisal import bias, comparators, effects, outcomes, spin
from labels.appraisal.document import read_article
from labels.appraisal.evaluate import read_articles

PMIDS = {
    "31166571",  # esketamine relapse prevention (SUSTAIN-1), reconstructed inline labels
    "33894335",  # KEYNOTE-189 final analysis
    "34023009",  # upadacitinib AD Up
    "33773631",  # PTC: stopping beta-lactams after 3 days
    "33954839",  # COAST: oxygen therapy in African children
    "12837876",  # propofol/fentanyl versus ketamine/midazolam sedation
    "34095437",  # intepirdine MINDSET
    "8829857",  # morphine versus morphine with ketamine, sections joined by "; "
    "34002333",  # liraglutide meta-analysis, "MD - 2.50"
    "34087896",  # riociguat meta-analysis, p values before the SMD
    "33864994",  # warm salt water foot bath
}


@pytest.fixture(scope="module")
def records() -> dict[str, Article]:
    found = read_articles(PMIDS)
    assert set(found) == PMIDS
    return found


def _effects(article: Article) -> list[tuple[object, ...]]:
    return [
        (e.measure, e.estimate, e.arm_values, e.ci, e.p)
        for e in effects.annotate(read_article(article))
    ]


def test_hazard_ratios_and_per_arm_response_rates_are_read_as_stated(records):
    assert _effects(records["33894335"]) == [
        ("hazard_ratio", 0.56, None, (0.46, 0.69), None),
        ("hazard_ratio", 0.49, None, (0.41, 0.59), None),
        ("hazard_ratio", 0.5, None, (0.41, 0.61), None),
        ("response_rate", None, (48.3, 19.9), None, None),
    ]
    assert _effects(records["31166571"]) == [
        ("hazard_ratio", 0.49, None, (0.29, 0.84), None),
        ("hazard_ratio", 0.3, None, (0.16, 0.55), None),
    ]


def test_relapse_and_demographic_percentages_are_not_response_rates(records):
    # SUSTAIN-1 gives relapse shares per arm and "197 [66.3%] female"; none is a response rate.
    measures = {e[0] for e in _effects(records["31166571"])}
    assert measures == {"hazard_ratio"}


def test_a_stated_difference_in_response_rate_keeps_its_interval(records):
    found = _effects(records["34023009"])
    assert ("response_rate", 38.1, None, (30.8, 45.4), None) in found
    assert ("response_rate", 28.5, None, (22.1, 34.9), None) in found


def test_mean_differences_with_spaced_minus_signs(records):
    found = _effects(records["34002333"])
    assert found[0] == ("mean_difference", -2.5, None, (-4.3, -0.7), None)
    assert ("mean_difference", 0.09, None, (0.01, 0.18), None) in found
    assert len(found) == 13


def test_p_value_before_the_estimate_belongs_to_it(records):
    found = _effects(records["34087896"])
    assert found[0] == ("smd", -0.24, None, (-0.35, -0.12), "<0.0001")
    assert found[1] == ("smd", 0.52, None, (0.33, 0.71), "<0.00001")
    assert ("smd", -0.24, None, (-0.61, -0.13), "0.20") in found


def test_an_interval_for_a_difference_is_not_an_estimate(records):
    # "95% confidence interval for the mean difference -0.34 to -0.048": no estimate stated.
    assert _effects(records["12837876"]) == []


def test_odds_ratio_ignores_the_hour_count_before_it(records):
    assert _effects(records["33954839"]) == [("odds_ratio", 1.16, None, (0.49, 2.74), "0.73")]


def test_effects_never_come_from_two_means(records):
    # Morphine vs morphine with ketamine gives two mean VAS scores and p values only.
    assert _effects(records["8829857"]) == []


def test_primary_outcome_and_time_point(records):
    (ptc,) = outcomes.annotate(read_article(records["33773631"]))
    assert ptc.measure == "cure 15 days after first antibiotic intake"
    assert ptc.time_point == "15 days"
    assert ptc.sentence.startswith("The primary outcome was cure 15 days")
    (mindset,) = outcomes.annotate(read_article(records["34095437"]))
    assert mindset.time_point == "week 24"
    assert "ADAS-Cog" in mindset.measure and "ADCS-ADL" in mindset.measure
    (sustain,) = outcomes.annotate(read_article(records["31166571"]))
    assert (sustain.measure, sustain.time_point) == ("Time to relapse", None)


def test_no_primary_outcome_unless_designated(records):
    assert outcomes.annotate(read_article(records["8829857"])) == ()


def _kinds(article: Article) -> list[str]:
    return [c.kind for c in comparators.annotate(read_article(article))]


def test_comparator_kinds(records):
    assert _kinds(records["31166571"]) == ["placebo"]
    assert _kinds(records["33773631"]) == ["placebo"]
    assert _kinds(records["12837876"]) == ["active"]
    assert _kinds(records["33954839"]) == ["usual_care"]
    # Morphine alone is the background without a dummy, not a rival treatment.
    assert _kinds(records["8829857"]) == ["usual_care"]


def _levels(article: Article) -> dict[str, str]:
    return {h.domain: h.level for h in bias.annotate(read_article(article))}


def test_bias_hints_of_a_well_reported_trial(records):
    assert _levels(records["34023009"]) == {
        "randomisation": "low",  # interactive response technology
        "concealment": "low",
        "blinding_participants": "low",  # investigators, personnel and patients masked
        "blinding_assessors": "low",
        "active_placebo": "low",  # upadacitinib has no conspicuous acute effects
        "itt": "low",
        "registration": "low",  # NCT03568318
        "attrition": "unclear",
    }


def test_bias_hints_of_an_open_trial(records):
    levels = _levels(records["33954839"])
    assert levels["blinding_participants"] == "high"
    assert levels["blinding_assessors"] == "high"
    assert levels["randomisation"] == "unclear"


def test_attrition_is_read_from_two_stated_numbers(records):
    hint = {h.domain: h for h in bias.annotate(read_article(records["33773631"]))}["attrition"]
    # 310 randomly assigned, seven withdrew consent: 2%.
    assert hint.level == "low"
    assert hint.sentence is not None and hint.sentence.startswith("Seven patients withdrew consent")


def test_registry_id_in_the_background_counts(records):
    hint = {h.domain: h for h in bias.annotate(read_article(records["33894335"]))}["registration"]
    assert hint.level == "low" and "NCT02578680" in (hint.sentence or "")


def test_active_placebo_hint(records):
    # Esketamine against placebo nasal spray in awake patients: dissociation may unblind.
    assert _levels(records["31166571"])["active_placebo"] == "high"
    # Ketamine/midazolam against propofol/fentanyl: both arms have noticeable effects.
    assert _levels(records["12837876"])["active_placebo"] == "low"


def test_unclear_hints_say_nothing_was_found(records):
    for hint in bias.annotate(read_article(records["33894335"])):
        if hint.level == "unclear" and hint.domain not in ("randomisation", "active_placebo"):
            assert hint.sentence is None


def test_spin_flags_a_missed_trial_with_a_favourable_conclusion(records):
    (flag,) = spin.annotate(read_article(records["33954839"], finding="mixed", design="rct"))
    assert flag.sentence == (
        "Respiratory support with HFNT showing potential benefit should prompt further trials."
    )
    assert spin.annotate(read_article(records["33954839"], finding="positive", design="rct")) == ()


def test_no_spin_when_the_conclusion_owns_up(records):
    # MINDSET: "did not produce statistical improvement over placebo".
    assert spin.annotate(read_article(records["34095437"], finding="negative", design="rct")) == ()


def test_spin_without_a_finding_reads_the_first_result(records):
    # Foot bath: the first result is "no statistically significant difference between groups",
    # yet the conclusion calls the bath "an effective approach".
    article = records["33864994"]
    assert article.finding is None
    (flag,) = spin.annotate(read_article(article, design="rct"))
    assert flag.sentence.startswith("This study shown that warm salt water footbath can be an")
    # With the label saying the trial succeeded there is nothing to flag.
    assert spin.annotate(read_article(article, finding="positive", design="rct")) == ()
