"""Sample-size readings of round 4 (people nouns, pairs, "a ... study N"), on sentences written
in the style of an abstract."""

from __future__ import annotations

import pytest
from sample_records import art

from labels.extract import extract_sample_size


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # Occupations and roles are people.
        ("We surveyed 143 professors of surgery about burnout.", "observational", 143),
        ("A total of 87 cleaners aged 20-60 years were included.", "observational", 87),
        ("Ear swabs were taken from 31 commercial divers.", "observational", 31),
        ("Thirty-two recruits were enrolled at the start of basic training.", "rct", 32),
        ("Caries was recorded in 412 schoolchildren aged 7 years.", "observational", 412),
        # Two modifiers joined by "and" still name one group ...
        ("Fatigue was rated by 64 head and neck cancer patients.", "observational", 64),
        ("We treated 48 paediatric and adult patients with burns.", "observational", 48),
        # A singular noun before "characteristics" counts no people.
        (
            "Fifteen patient characteristics were read from the registry of 75 patients.",
            "observational",
            75,
        ),
        # A pair is two people, a trio three (Part 2, rule 12: every person assessed).
        ("We enrolled 40 mother-infant pairs at delivery.", "observational", 80),
        ("Thirty couples attending the clinic took part.", "observational", 60),
        ("Genotypes were read for 120 parent-offspring trios.", "observational", 360),
        # "a ... study N people": the study is named, not numbered.
        (
            "In a retrospective study 136 women with preeclampsia were included.",
            "observational",
            136,
        ),
    ],
)
def test_sample_size_round4(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art(abstract), design) == expected


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # "We present a novel tool" presents no patient.
        ("We present a new software tool that helps surgeons plan implants.", "other", None),
        # A single patient named in the methods is one.
        (
            "The new imaging sequence was compared with the standard one in vivo on a "
            "glioma patient.",
            "other",
            1,
        ),
        ("We report a 63-year-old man with ketamine uropathy.", "case_report", 1),
    ],
)
def test_sample_size_single_person(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art(abstract, title="Imaging"), design) == expected
