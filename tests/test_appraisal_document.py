"""Section-aware sentences and the small readers the robots share (real records, read by hand)."""

from __future__ import annotations

import pytest

from labels.appraisal.attrition import parse_count
from labels.appraisal.document import category_of, read_article, split_sentences
from labels.appraisal.effects import find_p
from labels.appraisal.evaluate import read_articles
from labels.appraisal.outcomes import find_time_point


@pytest.fixture(scope="module")
def records():
    return read_articles({"31166571", "8829857", "33954839", "34023008"})


def test_inline_labels_of_an_unstructured_abstract_become_sections(records):
    doc = read_article(records["31166571"])
    by_label = {s.label: s.category for s in doc.sentences}
    assert by_label["IMPORTANCE"] == "BACKGROUND"
    assert by_label["MAIN OUTCOMES AND MEASURES"] == "METHODS"
    assert by_label["CONCLUSIONS AND RELEVANCE"] == "CONCLUSIONS"
    assert by_label["TRIAL REGISTRATION"] == "METHODS"
    assert doc.conclusion()[0].text.startswith("For patients with TRD who experienced remission")


def test_sections_joined_by_semicolons_are_recovered(records):
    # A reconstructed abstract: aim; methods; results; conclusion.
    doc = read_article(records["8829857"])
    assert [s.category for s in doc.sentences] == [
        "OBJECTIVE", "METHODS", "METHODS", "RESULTS", "RESULTS", "RESULTS", "CONCLUSIONS"
    ]  # fmt: skip
    assert doc.conclusion()[0].text.startswith("IVPCA ketamine in combination with morphine")


def test_structured_sections_without_a_category_take_it_from_the_label(records):
    doc = read_article(records["33954839"])
    assert {s.label: s.category for s in doc.sentences}["PURPOSE"] == "OBJECTIVE"
    assert doc.conclusion()[0].text.startswith("Respiratory support with HFNT")


def test_lancet_decimals_are_made_plain(records):
    text = " ".join(s.text for s in read_article(records["34023008"]).sentences)
    assert "53.3% [95% CI 46.4-60.2]" in text and "·" not in text


def test_abbreviations_do_not_end_sentences():
    assert split_sentences("Ketamine vs. placebo was given i.v. to all. Pain fell.") == [
        "Ketamine vs. placebo was given i.v. to all.",
        "Pain fell.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P = .003", "0.003"),
        ("(log-rank P < .001, NNT, 4)", "<0.001"),
        ("with a P value for non-inferiority of .06", "0.06"),
        ("p≤0.001", "≤0.001"),
        ("no p value here", None),
    ],
)
def test_find_p(text, expected):
    assert find_p(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("change from baseline to week 24 on the ADAS-Cog", "week 24"),
        ("maximum walking distance at six months measured by treadmill", "6 months"),
        ("questionnaire 1 week postpartum", "1 week"),
        ("24-hour morphine consumption", "24 hours"),
        ("MADRS score at the end of treatment", "end of treatment"),
        ("pain relief", None),
    ],
)
def test_find_time_point(text, expected):
    assert find_time_point(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Forty-two", 42), ("one hundred and sixty", 160), ("1,433", 1433), ("several", None)],
)
def test_parse_count(text, expected):
    assert parse_count(text) == expected


def test_category_of_free_labels():
    assert category_of("DESIGN, SETTING, AND PARTICIPANTS") == "METHODS"
    assert category_of("INTERPRETATION") == "CONCLUSIONS"
    assert category_of("FUNDING") is None
