"""Sample-size readings of round 6: groups listed in ways the rules did not yet join, further
cohorts named in a sentence of their own, counts taken from a pool, the arms' bases of shares,
secondary analyses and counts of those who left. Each abstract is written in the style of one
(no copied text). The rules before this round read most of them wrongly; the last cases guard
the new readings from reaching too far."""

from __future__ import annotations

import pytest
from sample_records import art

from labels.rules.sample_size import read_sample_size


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # A part named inside the list does not stop it: 23 + 15.
        (
            "We scanned 23 migraine patients, including nine with aura, and 15 age-matched "
            "healthy subjects.",
            "observational",
            38,
        ),
        # Those without the condition are a group too: 18 + 9.
        (
            "This was a controlled pilot study with 18 participants with asthma and 9 without "
            "the disease.",
            "nonrandomized_trial",
            27,
        ),
        # A sentence glued to the one before it, opening with a number word.
        (
            "We asked how a brace changes gait after knee surgery.Methods.Twelve runners and "
            "eight sedentary volunteers walked on a treadmill.",
            "nonrandomized_trial",
            20,
        ),
        # An "N =" right after its people noun lists with a counted noun.
        (
            "Participants (N=52) with chronic migraine and 48 headache-free peers completed "
            "the questionnaire.",
            "observational",
            100,
        ),
        # Numbers alone, joined by "and", share the verb after them.
        ("RESULTS: Forty-one and 20 were randomised to yoga and waiting list.", "rct", 61),
        # A further cohort named as one, whatever its verb.
        (
            "We trained the model on 310 patients from the registry. Another cohort of 122 "
            "patients from a second hospital was used for external validation.",
            "observational",
            432,
        ),
        (
            "In a double-blind trial 19 adults with eczema were randomised to the cream. A "
            "similar group of 19 adults was given the vehicle alone.",
            "rct",
            38,
        ),
        (
            "Plasma levels were measured in seven healthy subjects after the infusion. In six "
            "other healthy subjects the levels were measured after a meal.",
            "nonrandomized_trial",
            13,
        ),
        # Modifiers before the joined ones: "Black gay and bisexual men".
        (
            "I conducted interviews with 24 Black gay and bisexual men living with HIV.",
            "observational",
            24,
        ),
        # A secondary analysis names its own sample beside the trial it draws on.
        (
            "A total of 410 patients were enrolled in the parent trial; 163 subjects had a low "
            "score and were included in the secondary analysis.",
            "rct",
            163,
        ),
        (
            "230 women with preeclampsia were recruited and randomised to telemonitoring or "
            "usual care. This secondary analysis included 112 women randomised to "
            "telemonitoring.",
            "observational",
            112,
        ),
        # The count taken from a pool by a verb of taking part.
        (
            "In a national birth cohort, 712 of 1020 survivors were evaluated at school age.",
            "observational",
            712,
        ),
        (
            "Ninety-four patients with angina were identified, and 61 of them (65%) were "
            "included in the study.",
            "observational",
            61,
        ),
        # The arms' bases, when nothing else counts the sample.
        (
            "RESULTS: Relapse occurred in 5 (12.5%) of 40 patients in the early strategy and "
            "14 (35.0%) of 40 patients in the delayed strategy.",
            "rct",
            80,
        ),
        # Those excluded are not the sample.
        (
            "In total, 208 patients completed the questionnaire. Four patients were excluded "
            "for missing data, leaving 204 patients in the analyses.",
            "observational",
            208,
        ),
        # Matching each case with three controls is a ratio, not a count.
        (
            "Each case was matched with three patients without the fracture. RESULTS: Of 640 "
            "patients, 22 (3%) had the fracture.",
            "observational",
            640,
        ),
        # A control group named "of a control group" or recruited "as a control group".
        (
            "Hormone therapy was given to 150 women after surgery. No differences were found "
            "between these women and 160 women of a control group.",
            "nonrandomized_trial",
            310,
        ),
        (
            "There were 64 patients with untreated lung cancer admitted in 2019. Thirty "
            "healthy individuals matched for age, sex and body mass index were recruited to "
            "take part as a control group.",
            "observational",
            94,
        ),
        # "compares X ... to that of Y": two groups.
        (
            "The author compares the coping of 16 adolescents on dialysis to that of 40 adult "
            "patients on dialysis.",
            "observational",
            56,
        ),
        # A participants entry: the people described, then counted.
        (
            "PARTICIPANTS: Adult patients undergoing elective hip surgery (n = 180). RESULTS: "
            "In the remaining 40 patients, the first attempt succeeded more often.",
            "rct",
            180,
        ),
        # Two comparable groups of one size.
        (
            "Iodine uptake was studied in two comparable groups of 15 malnourished children.",
            "observational",
            30,
        ),
        # A total and its breakdown by "having": not added.
        (
            "A comparative trial was carried out on 80 patients, 50 having typhoid fever and 30 "
            "cases having paratyphoid fever.",
            "rct",
            80,
        ),
        # A pair of scans is one patient's.
        (
            "Results of 64 pairs of CT and bone scans were compared prospectively.",
            "observational",
            64,
        ),
        # An age in words between the count and its noun.
        (
            "The trial enrolled a sample of 180 five- to nine-year-old children in two schools.",
            "rct",
            180,
        ),
        # A count in brackets right after a verb of taking part.
        (
            "Women with stage IB cervical cancer who had surgery were enrolled (1850 patients). "
            "We analysed groups of 90 and 75 patients with nodal metastases.",
            "observational",
            1850,
        ),
        # Laypersons are people; "fewer than 10 parents" is a bound, not a count.
        (
            "A total of 120 laypersons took part. Overall 112 participants (93.3%) placed the "
            "mask correctly.",
            "nonrandomized_trial",
            120,
        ),
        # Each named study once, its best count: "In the pilot study ..." twice is one study.
        (
            "In the pilot study, 28 patients were enrolled. In the blinded study, 64 patients "
            "were enrolled. In the blinded study, 51 patients had samples cultured.",
            "observational",
            92,
        ),
    ],
)
def test_sample_size_reads_groups_cohorts_and_pools(
    abstract: str, design: str, expected: int
) -> None:
    assert read_sample_size(art(abstract), design)[0] == expected


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # "N of M ... completed" is a subset that finished: the pool is the sample.
        ("Results: Twelve out of 15 patients completed the intervention.", "observational", 15),
        # A pool reviewed, then those included from it: the included are the sample.
        (
            "We reviewed charts of 840 patients with breast cancer. A total of 301 patients "
            "met the inclusion criteria.",
            "observational",
            301,
        ),
        # A subgroup with its own verb in the results is not a participants entry.
        (
            "We studied 120 patients with rectal cancer. Patients who received radiotherapy "
            "(n = 41) required more extensive surgery.",
            "observational",
            120,
        ),
        # Patients in the control group who had an event are a part of it, not a group.
        (
            "Cholestyramine was tried in 60 patients at risk of stress ulcers. Two patients in "
            "the control group developed ulcers.",
            "nonrandomized_trial",
            60,
        ),
        (
            "Parents of 84 overweight children were randomised to two kinds of feedback. Most "
            "recalled the result, but fewer than 10 parents could explain it.",
            "rct",
            84,
        ),
        # A non-randomised study is not read as randomised: the enrolled total stands.
        (
            "In this non-randomized study, 42 patients were enrolled; 30 were treated.",
            "nonrandomized_trial",
            42,
        ),
    ],
)
def test_the_new_readings_do_not_reach_too_far(
    abstract: str, design: str, expected: int | None
) -> None:
    assert read_sample_size(art(abstract), design)[0] == expected
