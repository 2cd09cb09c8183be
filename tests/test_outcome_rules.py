"""Suicidality where a study of an effect targets it (TAXONOMY.md; seven labelled examples)."""

from __future__ import annotations

import pytest

from labels.rules.outcomes import with_suicidality


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
