"""Labels that must hold beyond ketamine: the guide's rules on records of other drugs and kinds.

Each record is written the way PubMed abstracts word it; the shipped models label it as a
reader of docs/labelling-guide.md would.
"""

from __future__ import annotations

import pytest

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH, Models, design_rule, load_models, normalise


@pytest.fixture(scope="module")
def shipped() -> Models:
    return load_models(DEFAULT_MODEL_PATH)


def _label(models: Models, title: str, abstract: str, ptypes: tuple[str, ...] = ()) -> Article:
    record = Article(pmid="1", title=title, abstract=abstract, publication_types=ptypes)
    return models.predict([record])[0]


PLACEBO_NULL = (
    "Adjunctive minocycline for treatment-resistant depression: a randomised, double-blind, "
    "placebo-controlled trial.",
    "BACKGROUND: Inflammation may contribute to treatment-resistant depression. "
    "METHODS: In this randomised, double-blind, placebo-controlled trial, 120 adults with "
    "treatment-resistant depression were randomly assigned to minocycline 200 mg/day or placebo "
    "for 12 weeks. The primary outcome was change in the Montgomery-Asberg Depression Rating "
    "Scale (MADRS) score. RESULTS: MADRS scores did not differ between the minocycline and "
    "placebo groups at week 12 (mean difference -1.2, 95% CI -4.1 to 1.7; p = 0.41). Response "
    "and remission rates were similar in both groups. CONCLUSIONS: Minocycline was not superior "
    "to placebo and did not improve depressive symptoms in treatment-resistant depression.",
)


def test_a_trial_that_did_not_differ_from_placebo_is_negative(shipped: Models) -> None:
    labelled = _label(shipped, *PLACEBO_NULL)
    assert labelled.finding == "negative"
    assert labelled.design == "rct"
    assert labelled.drug == "not_studied"  # another drug: the direction is still read
    assert "depression" in labelled.conditions


def test_ketamine_only_as_the_anaesthetic_is_not_studied(shipped: Models) -> None:
    labelled = _label(
        shipped,
        "Effects of chronic fluoxetine on hippocampal neurogenesis in stressed rats.",
        "Male Wistar rats were exposed to chronic unpredictable stress for 4 weeks and treated "
        "with fluoxetine (10 mg/kg/day) or vehicle. Rats were anaesthetised with ketamine and "
        "xylazine before perfusion, and brains were collected for immunohistochemistry. "
        "Fluoxetine increased the number of doublecortin-positive cells in the dentate gyrus "
        "and reversed stress-induced immobility in the forced swim test.",
    )
    assert (labelled.drug, labelled.routes) == ("not_studied", ())
    assert labelled.design == "preclinical"


def test_an_enzyme_assay_without_animals_is_preclinical(shipped: Models) -> None:
    labelled = _label(
        shipped,
        "Inhibition of monoamine oxidase A by synthetic chalcone derivatives.",
        "A series of 24 chalcone derivatives was synthesized and their inhibitory activity "
        "towards recombinant human monoamine oxidase A and B was measured with a fluorometric "
        "assay. Molecular docking was used to describe the binding of the most potent compounds "
        "in the enzyme's active site. Compound 7 was the most potent and selective inhibitor "
        "of the A isoform (IC50 0.12 uM).",
    )
    assert labelled.design == "preclinical"
    assert labelled.sample_size is None


def test_depression_of_drug_metabolism_is_not_the_mood_disorder(shipped: Models) -> None:
    labelled = _label(
        shipped,
        "Depression of drug metabolism by cimetidine in man.",
        "Cimetidine depression of hepatic drug metabolism was studied in six healthy volunteers. "
        "Antipyrine clearance fell by 25% after one week of cimetidine 1 g daily, and "
        "the depression of drug metabolism resolved within a week of stopping it.",
    )
    assert "depression" not in labelled.conditions


@pytest.mark.parametrize(
    ("ptypes", "abstract", "expected"),
    [
        (
            ("Case Reports", "Journal Article"),
            "Three patients with myoclonus are described.",
            "case_report",
        ),
        (
            ("Case Reports", "Journal Article"),
            "Twelve patients were randomised to two doses; two are described in detail.",
            None,
        ),
        (("Case Reports", "Review"), "We report a patient and review the literature.", None),
    ],
)
def test_pubmeds_case_reports_type_is_a_case_report(
    ptypes: tuple[str, ...], abstract: str, expected: str | None
) -> None:
    record = Article(pmid="1", title="Myoclonus", abstract=abstract, publication_types=ptypes)
    assert design_rule(record) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Depression of drug metabolism", "hypofunction of drug metabolism"),
        ("depression of the CNS by ethanol", "hypofunction of the cns by ethanol"),
        ("Major depression of adolescents", "major depression of adolescents"),
    ],
)
def test_normalise_renames_a_function_lowered(text: str, expected: str) -> None:
    assert normalise(text) == expected
