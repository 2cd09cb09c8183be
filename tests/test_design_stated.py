"""Designs an abstract states outright: a study's protocol, a trial without randomisation.

The records are written the way PubMed abstracts word them. A protocol paper describes a study
still to be run (`review` by the guide), whether it says "protocol", "rationale and design" or
only describes the trial before its results; a protocol that is the treatment, the care pathway
or a laboratory method is part of a study with results. A randomised pilot trial is an RCT (the
guide: the highest match wins), and so is a double-blind trial that PubMed types as a case
report; people allocated at random are tested in test_labels_generalise and test_design_rct.
"""

from __future__ import annotations

import pytest

from core.article import Article
from labels.rules.design import design_rule


def _rule(title: str, abstract: str = "") -> str | None:
    return design_rule(Article(pmid="1", title=title, abstract=abstract))


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        ("Mindfulness for family carers: study protocol for a randomised controlled trial.", ""),
        ("Exercise for knee pain: a protocol for a systematic review and meta-analysis.", ""),
        ("Rationale and design of the STEADY trial of lithium in older adults.", ""),
        ("Zinc for taste loss: protocol of a double-blind trial.", ""),
        (
            "Text messages for smoking cessation in pregnancy.",
            "Here we describe the protocol for a randomised trial in six antenatal clinics.",
        ),
        (
            "Peer support after stroke.",
            "We will recruit 240 stroke survivors and randomise them to peer support or to usual "
            "care.",
        ),
    ],
)
def test_a_study_protocol_is_a_review(title: str, abstract: str) -> None:
    assert _rule(title, abstract) == "review"


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        (
            "An enhanced recovery protocol after hip replacement in adults over 80.",
            "We compared 212 patients treated before and after the protocol was introduced.",
        ),
        ("A nurse-led sedation protocol in the intensive care unit.", ""),
        (
            "Drug X in advanced lung cancer: protocol-specified final analysis of a phase 3 trial.",
            "Patients were randomized 2:1 to drug X or placebo.",
        ),
        (
            "Clearing whole mouse brains for light-sheet imaging.",
            "We clear fixed tissue in four days. This protocol is applicable to any fixed organ.",
        ),
        (
            "Skin care every six hours against dermatitis in intensive care.",
            "Both groups received the protocol as needed; adherence to the protocol was 91%.",
        ),
    ],
)
def test_a_protocol_that_is_the_treatment_or_method_is_not_a_review(
    title: str, abstract: str
) -> None:
    assert _rule(title, abstract) is None  # the classifier decides


def test_a_systematic_review_with_a_registered_protocol_is_a_meta_analysis() -> None:
    abstract = (
        "We performed a systematic review of trials of drug X for migraine. "
        "The protocol was registered in PROSPERO. Twelve trials were included."
    )
    assert _rule("Drug X for migraine prevention.", abstract) == "meta_analysis"


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Yoga for chronic neck pain: a pilot study.",
            "Forty adults were randomly assigned to yoga or a waiting list.",
            None,
        ),
        (
            "Remote ischaemic conditioning after subarachnoid haemorrhage: a pilot trial.",
            "Patients were randomized to high-pressure or sham cuff inflation.",
            None,
        ),
        ("Serum lactate as an early sign of sepsis in preterm infants: a pilot study.", "", None),
        ("Microbiota of the colon in metastatic cancer: a pilot study.", "", None),
        ("An open-label pilot study of drug X in alcohol use disorder.", "", "nonrandomized_trial"),
        (
            "Mindful reading in third grade: a quasi-experimental study.",
            "Classes were randomly allocated to the programme or to usual lessons.",
            "nonrandomized_trial",
        ),
        (
            "Pacing of the left bundle branch: a nonrandomized observational comparison.",
            "",
            None,
        ),
    ],
)
def test_a_pilot_is_a_trial_only_when_the_title_names_one_without_randomisation(
    title: str, abstract: str, expected: str | None
) -> None:
    assert _rule(title, abstract) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Rationale and design of DRINK-T1D: a randomized clinical trial of effects of "
            "low-calorie sweetener restriction in children with type 1 diabetes.",
            "review",
        ),
        (
            "Design and methods of the care management for the effective use of opioids trial.",
            "review",
        ),
        (
            "The design and conduct of a randomized clinical trial comparing two buprenorphine "
            "formulations in the emergency department.",
            "review",
        ),
        ("Effects of a protocol of aquatic exercise on balance in older women.", None),
        ("The Korean pregnancy outcome study: study design and participants.", None),
    ],
)
def test_a_trial_s_design_paper_is_a_review(title: str, expected: str | None) -> None:
    # the guide: a protocol for a trial is `review`, even when the trial's name says "effects of"
    assert _rule(title) == expected


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Treatment of vasomotor rhinitis with intranasal cromoglycate. Results from a "
            "double-blind cross-over study.",
            "The effect of cromoglycate powder was studied in 49 adult volunteers in a "
            "double-blind cross-over study during 13 weeks.",
            None,
        ),
        (
            "Gingival hyperplasia on one side after treatment with phenytoin.",
            "A 34-year-old man developed gingival hyperplasia on the left side only.",
            "case_report",
        ),
    ],
)
def test_a_double_blind_trial_typed_as_a_case_report_is_left_to_the_classifier(
    title: str, abstract: str, expected: str | None
) -> None:
    record = Article(pmid="1", title=title, abstract=abstract, publication_types=("Case Reports",))
    assert design_rule(record) == expected


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "CIRCULATE-Japan: ctDNA-guided adaptive platform trials in colorectal cancer.",
            "The VEGA trial is a randomized phase III study designed to test whether surgery "
            "alone is noninferior to capecitabine plus oxaliplatin in ctDNA-negative patients.",
            "review",
        ),
        (
            "The FALCON program: two phase 2b studies of pegbelfermin in steatohepatitis.",
            "In both studies, randomized patients receive weekly injections of pegbelfermin or "
            "placebo for 48 weeks. The primary endpoint is a one-stage improvement in fibrosis.",
            "review",
        ),
        (
            "Pegbelfermin in steatohepatitis: a phase 2b trial.",
            "Patients are randomized to pegbelfermin or placebo. The primary endpoint is a "
            "one-stage improvement in fibrosis, reached by 24% and 9% (p = 0.01).",
            None,
        ),
    ],
)
def test_a_trial_described_before_its_results_is_a_protocol(
    title: str, abstract: str, expected: str | None
) -> None:
    # the guide: a study protocol without results is `review`, whether or not it says "protocol"
    assert _rule(title, abstract) == expected
