"""Labels that must hold beyond ketamine: the guide's rules on records of other drugs and kinds.

Each record is written the way PubMed abstracts word it; the shipped models label it as a
reader of docs/labelling-guide.md would.
"""

from __future__ import annotations

import pytest
from sample_records import design_of

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH, Models, design_rule, load_models, normalise
from labels.text import named_conditions


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
    ("title", "abstract"),
    [
        (
            "Aquatic exercise for women with fibromyalgia: a randomised controlled trial.",
            "OBJECTIVE: To test whether a 12-week aquatic exercise programme reduces pain in women "
            "with fibromyalgia. METHODS: Sixty women meeting the ACR criteria were randomly "
            "assigned to aquatic exercise three times a week or usual care. RESULTS: Pain fell by "
            "2.1 points more with exercise than with usual care (95% CI 1.2 to 3.0). CONCLUSIONS: "
            "Aquatic exercise reduced pain and improved function in fibromyalgia.",
        ),
        (
            "Dry needling versus sham needling in chronic neck pain: a randomised trial.",
            "Objective: to test dry needling in chronic neck pain. Eighty adults with chronic neck "
            "pain were randomly allocated to dry needling or sham needling for four sessions. Neck "
            "pain and disability improved more after dry needling at four weeks.",
        ),
    ],
)
def test_a_chronic_pain_condition_named_as_the_target_is_chronic_pain(
    shipped: Models, title: str, abstract: str
) -> None:
    # The names are read in the record's own words (labels.cue_patterns.CONDITION_NAMES), not
    # only through the vocabularies, which drop words as rare as "fibromyalgia".
    labelled = _label(shipped, title, abstract)
    assert labelled.conditions == ("chronic_pain",)
    assert (labelled.design, labelled.finding) == ("rct", "positive")


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        (
            "Brief contact intervention after a suicide attempt: a randomised controlled trial.",
            "Objective: to test whether postcards and telephone contacts after discharge reduce "
            "repeated suicide attempts. A total of 320 adults admitted after a suicide attempt "
            "were randomly assigned to brief contact or usual care. Fewer patients attempted "
            "suicide again in the brief contact group over 12 months. Conclusions: brief contact "
            "reduced repeat suicide attempts.",
        ),
        (
            "Lithium or placebo for suicidal behaviour in bipolar disorder: a randomised trial.",
            "Objective: to test whether lithium prevents suicidal behaviour. 150 patients were "
            "randomized to lithium or placebo. Suicidal events did not differ between groups. "
            "Conclusions: lithium did not reduce suicidal behaviour.",
        ),
        (
            "Ketamine for suicidal ideation in the emergency department: an open-label study.",
            "Objective: to assess the effect of a single ketamine dose on suicidal ideation. "
            "Twenty patients received ketamine 0.2 mg/kg. Suicidal ideation scores fell within two "
            "hours. Conclusions: ketamine rapidly reduced suicidal ideation.",
        ),
    ],
)
def test_a_study_of_an_effect_on_suicidal_ideation_or_behaviour_measures_suicidality(
    shipped: Models, title: str, abstract: str
) -> None:
    # The newcomer's case: a trial in patients with suicidal ideation read without
    # suicidality. Seven labelled examples teach the classifier nothing; the guide's rule does.
    labelled = _label(shipped, title, abstract)
    assert "suicidality" in labelled.outcomes
    assert labelled.finding != "none"


def test_respiratory_depression_under_ketamine_sedation_is_not_depression(shipped: Models) -> None:
    labelled = _label(
        shipped,
        "Respiratory depression during ketamine sedation of children in the emergency department.",
        "We reviewed 400 children sedated with intramuscular ketamine for fracture reduction. "
        "Respiratory depression occurred in 6 (1.5%) and resolved with airway repositioning; "
        "no child needed intubation. Ketamine sedation was safe in this setting.",
    )
    assert "depression" not in labelled.conditions
    assert labelled.drug == "ketamine"


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
        (
            "NMDAR-dependent long-term depression (LTD)",
            "nmdar-dependent long-term hypofunction (ltd)",
        ),
        ("Inbreeding depression on body size", "inbreeding hypofunction on body size"),
        ("Transient S-T segment depression", "transient s-t segment hypofunction"),
        ("Depression of cell-mediated immunity", "hypofunction of cell-mediated immunity"),
        ("Depressed skull fractures in neonates", "indented fractures in neonates"),
        ("CNS depressants such as alcohol", "cns sedatives such as alcohol"),
        ("Vivalan, a new anti-depressant", "vivalan, a new anti-depressant"),
        ("antidepressants in depressed patients", "antidepressants in depressed patients"),
    ],
)
def test_normalise_renames_a_function_lowered(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("title", "abstract", "named"),
    [
        # the newcomer's "depression of drug metabolism" paper: no mood sense is left to name it
        ("Depression of drug metabolism by ketamine", "Hepatic microsomes were studied.", ()),
        ("Ketamine and ST segment depression", "Holter recordings in 40 patients.", ()),
        ("Ketamine in major depression", "Forty patients were randomised.", ("depression",)),
        ("Ketamine for resistant illness", "MADRS scores fell in MDD.", ("depression",)),
        ("Dental anxiety in children", "Dental anxiety was rated by 30 children.", ()),
        ("Ketamine in social anxiety disorder", "Anxiety fell.", ("anxiety",)),
    ],
)
def test_a_condition_the_text_never_names_is_dropped(
    title: str, abstract: str, named: tuple[str, ...]
) -> None:
    chosen = ("depression", "anxiety")
    assert named_conditions(normalise(f"{title}\n{abstract}"), chosen) == named


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # a cohort drawn from a trial's data names the trial but allocates no one
        (
            "We used baseline data from a randomized controlled trial of a walking programme in "
            "412 older adults. Worse sleep was associated with more depressive symptoms.",
            "observational",
        ),
        (
            "No randomized clinical trials have compared these regimens; we reviewed 210 charts.",
            "observational",
        ),
        # people allocated at random are an RCT, whatever the classifier thought
        (
            "Ninety adults were randomly assigned to exercise or usual care for 12 weeks.",
            "rct",
        ),
    ],
)
def test_only_allocation_in_the_studys_own_words_overrides_the_classifier(
    abstract: str, expected: str
) -> None:
    # the classifier's reading, RCT well below 0.2
    assert design_of("Sleep and mood in older adults", abstract, observational=0.9) == expected


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # nothing random, blind, placebo or sham: the classifier's RCT is not taken
        (
            "A total of 1,204 adults attending primary care completed the questionnaire; "
            "depressive symptoms were associated with poorer sleep.",
            "observational",
        ),
        ("Patients treated with the new regimen improved more than the others.", "observational"),
        # a double-blind trial that never says "randomised" stays an RCT (guide, round 4)
        ("In this double-blind trial, 40 patients received drug A or drug B.", "rct"),
        ("Sixty patients were allocated to two groups by a computer-generated list.", "rct"),
    ],
)
def test_an_rct_needs_randomisation_or_a_blinded_or_placebo_arm_in_the_text(
    abstract: str, expected: str
) -> None:
    # the classifier's first choice is rct
    assert design_of("Sleep and mood in adults", abstract, rct=0.6, observational=0.3) == expected


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # the guide, round 4: a double-blind trial that never says "randomised" is an RCT
        ("In a double-blind study, 24 patients received drug A or drug B for six weeks.", "rct"),
        # an open-label extension of a double-blind trial is not
        (
            "Patients completing the double-blind phase entered a 52-week open-label extension "
            "in which all received drug A.",
            "nonrandomized_trial",
        ),
        (
            "Twenty patients received drug A for six weeks in an uncontrolled study.",
            "nonrandomized_trial",
        ),
    ],
)
def test_a_double_blind_trial_the_classifier_calls_non_randomised_is_an_rct(
    abstract: str, expected: str
) -> None:
    # RCT below its threshold
    assert design_of("Drug A in adults", abstract, nonrandomized_trial=0.8, rct=0.1) == expected


OLD_TRIAL = (
    "Acebutolol, a new cardioselective beta-blocker, has been studied in 40 hypertensive "
    "patients for a period of 6 months. Blood pressure fell significantly from the second week."
)


@pytest.mark.parametrize(
    ("title", "abstract", "design"),
    [
        # older abstracts say "has been studied in 40 patients", not "were treated" or "trial"
        ("Acebutolol in hypertension", OLD_TRIAL, "nonrandomized_trial"),
        # an animal the list of laboratory species does not name
        (
            "Depressant effect of nitroprusside on the lower esophageal sphincter of the opossum",
            "Sphincter pressure fell by half within two minutes of the infusion.",
            "preclinical",
        ),
        # a narrative review whose structured abstract has a Results heading
        (
            "Novel adjuvant options for cutaneous melanoma",
            "Purpose: to summarise adjuvant options.\nResults: Checkpoint inhibitors now lead.",
            "review",
        ),
    ],
)
def test_a_design_the_classifier_is_sure_of_needs_none_of_its_words(
    title: str, abstract: str, design: str
) -> None:
    assert design_of(title, abstract, **{design: 0.9, "other": 0.05}) == design


def test_an_rct_needs_its_randomisation_however_sure_the_classifier_is() -> None:
    abstract = "Patients treated with the new regimen improved more than the others."
    assert design_of("Sleep and mood in adults", abstract, rct=0.95, observational=0.03) == (
        "observational"
    )


@pytest.mark.parametrize(
    ("abstract", "probability"),
    [
        # not sure enough to do without the trial's wording
        (OLD_TRIAL, 0.6),
        # a chart review is never a trial, however sure the classifier is
        (OLD_TRIAL.replace("has been studied", "was studied retrospectively"), 0.95),
    ],
)
def test_a_trial_without_its_wording_falls_to_the_nextdesign_of(
    abstract: str, probability: float
) -> None:
    assert design_of(
        "Acebutolol in hypertension", abstract, nonrandomized_trial=probability, observational=0.03
    ) == ("observational")


@pytest.mark.parametrize(
    "abstract",
    [
        "We randomized 42 surgical patients to cannula re-siting every 72 hours or on need.",
        "Prospective computer-generated randomization of 206 patients into two groups: nail or "
        "plate fixation.",
        "A 9-month randomized prospective study was conducted on 99 patients in two units.",
    ],
)
def test_people_allocated_at_random_make_an_rct(abstract: str) -> None:
    assert design_of("Two treatments compared", abstract, observational=0.8, rct=0.05) == "rct"


@pytest.mark.parametrize(
    "abstract",
    [
        "Data from a randomized controlled trial of 702 families were analysed for mediators.",
        "We randomly selected 300 records from the registry.",
    ],
)
def test_a_trial_named_or_records_drawn_at_random_are_not_an_rct(abstract: str) -> None:
    assert design_of("Two treatments compared", abstract, observational=0.8, rct=0.05) == (
        "observational"
    )
