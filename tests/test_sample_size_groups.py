"""Sample-size readings of round 3, each on a sentence written in the style of an abstract."""

from __future__ import annotations

import pytest
from sample_records import art

from labels.extract import extract_sample_size


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # Thousands grouped by a space, after "n =" and with a no-break space.
        ("Members of the armed forces (n = 52 310) were included.", "observational", 52310),
        ("This survey included 12\xa0480 adults from primary care.", "observational", 12480),
        # A group enrolled beside the sample in a later sentence is added (Part 2, rule 12).
        (
            "We enrolled 30 patients with migraine. In addition, 12 patients with cluster "
            "headache were recruited for comparison.",
            "observational",
            42,
        ),
        # ... but "the other N" is a subset of the sample, not a further group.
        (
            "We enrolled 30 patients with migraine. The other 12 patients were enrolled later.",
            "observational",
            30,
        ),
        # A control group named in a sentence of its own is added, unless already counted.
        (
            "Thirty-two patients with chronic pain were studied. Twenty healthy volunteers "
            "served as controls.",
            "observational",
            52,
        ),
        (
            "We studied 32 patients with chronic pain and 20 healthy controls. The control group "
            "consisted of 20 hospital staff.",
            "observational",
            52,
        ),
        # "N patients were randomised to X and M to Y": the second group's noun is elided.
        (
            "Thirty patients were randomised to intranasal ketamine and 28 to midazolam.",
            "rct",
            58,
        ),
        ("Forty patients were treated for two weeks and 12 for four weeks.", "rct", 52),
        # "age- and sex-matched" is a modifier of the counted noun.
        (
            "We compared 40 patients with gout and 80 age- and sex-matched controls.",
            "observational",
            120,
        ),
        # "compared these values with those found in N": a second group.
        (
            "Enzyme activity was measured in 25 men with cirrhosis and compared these values "
            "with those found in 30 men without liver disease.",
            "observational",
            55,
        ),
        # "Of N patients, X%": the shares are of the whole sample.
        (
            "Although 6 patients had nausea, no serious event occurred. Of 180 patients, 75% "
            "were treated with ketamine alone.",
            "observational",
            180,
        ),
        # The base of a share is the sample where no other count is stated.
        ("Delirium developed in 9 of 64 patients with hip fracture.", "observational", 64),
        # Cases from the literature are not the report's patients.
        (
            "We describe a 54-year-old man with ketamine cystitis and review the 23 previously "
            "reported cases.",
            "case_report",
            1,
        ),
        # A model's simulated cohort and a rate's base are not participants.
        ("A Markov model was built. A total of 50,000 patients were simulated.", "other", None),
        ("For every 10,000 women screened, the strategy averted many deaths.", "other", None),
    ],
)
def test_sample_size_round3(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art(abstract), design) == expected
