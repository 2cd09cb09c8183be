"""Sample-size readings of groups stated beside the sample (Part 1: "summed when groups or
cohorts are reported separately"; Part 2, rule 12: every group studied counts), and counts
written as words with a typo, on sentences written in the style of an abstract."""

from __future__ import annotations

import pytest
from sample_records import art

from labels.extract import extract_sample_size


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # A case-control design names no control group: the controls are added.
        (
            "This case-control study included 30 term severely macrosomic neonates; 90 "
            "appropriate-for-gestational age (AGA) neonates served as controls.",
            "observational",
            120,
        ),
        (
            "A retrospective review was performed on 52 cases with acute chorioamnionitis. "
            "Third-trimester placentas without chorioamnionitis (n = 52) served as controls.",
            "observational",
            104,
        ),
        # A group the sample is compared with, in a sentence of its own.
        (
            "The study comprised 53 consecutive screen-detected coeliac patients. Comparisons "
            "were made to 44 symptom-detected coeliac patients, 110 non-coeliac subjects and the "
            "general population.",
            "observational",
            207,
        ),
        (
            "In a matched retrospective study, 31 patients with hysterical neurosis were "
            "compared with 31 with depressive neurosis.",
            "observational",
            62,
        ),
        (
            "Comparisons were made between 107 patients who received IBR and 113 who received "
            "mastectomy alone.",
            "observational",
            220,
        ),
        # Groups named by label, one sentence each.
        (
            "In 10 patients (group A) parenteral nutrition was given before and after surgery. "
            "Five patients (group B) received intravenous dextrose/saline solution.",
            "nonrandomized_trial",
            15,
        ),
        # Numbered arms split by semicolons.
        (
            "Patients were randomized to: 1) weekly support by specialized therapists (n = 233); "
            "2) weekly support by the same therapists (n = 216); or 3) weekly support by clinic "
            "therapists (n = 226).",
            "rct",
            675,
        ),
        # A part named in passing does not end the list of groups.
        (
            "100 patients (age 8 - 90 years, median 60.5 years) with various eye disorders, "
            "among them 39 with amblyopia due to strabismus, and 13 healthy volunteers were "
            "tested.",
            "observational",
            113,
        ),
        # Further groups studied beside the sample.
        (
            "Only one patient at manic episode was recruited. Besides, 11 patients at the "
            "depressive episode, 15 healthy controls and four patients at recovery stage were "
            "recruited.",
            "observational",
            31,
        ),
        (
            "The effects of PTH given to six young normal adult subjects were studied. Control "
            "experiments without PTH were performed on five other subjects.",
            "nonrandomized_trial",
            11,
        ),
        (
            "In one study, CDCA was given to 12 obese subjects. In the second study, two "
            "preparations were compared in another 12 obese subjects.",
            "rct",
            24,
        ),
        (
            "Serum samples from 100 patients with epilepsy were collected. Cytokine levels were "
            "assessed in these patients and 100 matched healthy controls.",
            "observational",
            200,
        ),
        # Groups listed in one bracket, split by a semicolon.
        (
            "Structural MRI and FDG-PET were performed on clinically asymptomatic members of "
            "families with FTD (15 presymptomatic mutation carriers, C9orf72+; 20 non-carriers, "
            "C9orf72-).",
            "observational",
            35,
        ),
        # One "follow-up" before a list says when, not that the list is one cohort twice.
        (
            "At year follow-up among 72 senior patients (35 women) and 71 junior patients (17 "
            "women), there was no difference in the percentage of patients abandoning CPAP.",
            "observational",
            143,
        ),
        # A pool listed by group before the count taken from it.
        (
            "Of the 9681 women and 8888 men who attended risk assessment from 1967-1991, 706 "
            "women and 1700 men suffered a non-fatal myocardial infarction or coronary death.",
            "observational",
            18569,
        ),
        # Number words with a typo or without a hyphen.
        (
            "Twentyfive patients with malignant effusion were allocated at random to one of "
            "three treatments.",
            "rct",
            25,
        ),
        ("Fourty one children, aged 4-16 years, undergoing tonsillectomy.", "rct", 41),
    ],
)
def test_sample_size_beside(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art(abstract), design) == expected


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # Groups compared "between" are the sample split, not groups beside it.
        (
            "A retrospective evaluation of 37 patients treated for NF was carried out. Mortality "
            "was compared between a group of 25 patients who received HBO and a group of the "
            "remaining 12 patients.",
            "observational",
            37,
        ),
        # Matching each case with two others is a ratio, not a further group.
        (
            "A cohort of 265 patients was analysed. Patients with AVN were matched for age and "
            "sex with two other patients with SLE.",
            "observational",
            265,
        ),
        # Time points named before a list: one cohort at two interviews.
        (
            "Baseline and follow-up interviews were completed by 648 and 586 mothers.",
            "observational",
            648,
        ),
        # "and 1 who also ..." is one of the patients already counted.
        (
            "We describe 2 patients who have atypical thyroid conditions and 1 who also "
            "developed symptomatic hypocalcemia.",
            "case_report",
            2,
        ),
    ],
)
def test_sample_size_beside_guards(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art(abstract), design) == expected
