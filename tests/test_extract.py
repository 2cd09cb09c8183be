"""The extraction rules on real sentences copied from the seed and ketamine records (PMIDs)."""

from __future__ import annotations

import pytest

from core.article import AbstractSection, Article
from labels.extract import (
    extract_drug,
    extract_key_finding,
    extract_routes,
    extract_sample_size,
    is_animal_study,
    mentions_ketamine,
    sentences,
)


def art(title: str = "", abstract: str = "", **kw: object) -> Article:
    return Article(pmid="0", title=title, abstract=abstract, **kw)  # type: ignore[arg-type]


# --- drug ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (  # 31166571
            "Efficacy of Esketamine Nasal Spray Plus Oral Antidepressant Treatment for Relapse "
            "Prevention in Patients With Treatment-Resistant "
            "Depression: A Randomized Clinical Trial.",
            "OBJECTIVE: To assess the efficacy of esketamine nasal "
            "spray plus an oral antidepressant "
            "compared with an oral antidepressant plus placebo nasal spray in delaying relapse.",
            "esketamine",
        ),
        (  # 10027033
            "Lack of pre-emptive analgesic effect of (R)-ketamine in laparoscopic cholecystectomy.",
            "This study evaluated the pre-emptive analgesic effect of intravenous (i.v.) "
            "(R)-ketamine in laparoscopic cholecystectomy.",
            "arketamine",
        ),
        (  # 9698948: enantiomer plasma levels measured, racemic ketamine studied
            "The analgesic effect of racemic ketamine in patients "
            "with chronic ischemic pain due to "
            "lower extremity arteriosclerosis obliterans.",
            "Plasma levels of (S)- and (R)-ketamine and their nor-metabolites were analysed.",
            "ketamine",
        ),
        (  # 24438483: the anaesthetic of every animal
            "Pre-treatment of bupivacaine-induced cardiovascular depression using different lipid "
            "formulations of propofol",
            "METHODS: Rats were anaesthetised with ketamine and were given 0.5 mg/kg bupivacaine.",
            "not_studied",
        ),
        (  # 34097106
            "Histopathological changes of parotid and larynx in "
            "hypothyroid rats: experimental study.",
            "The larynx and parotid glands of the rats were removed and intracardiac blood samples "
            "were collected for thyroid-stimulating hormone (TSH) analysis under anesthesia "
            "(ketamine hydrochloride, 100 mg/kg) 24 h after the last PTU injection.",
            "not_studied",
        ),
        (  # 22494845: the ketamine sleeping-time assay
            "Antidepressant-like effects of methanol extract of Hibiscus tiliaceus flowers in mice",
            "The animals were submitted to the elevated plus-maze "
            "and ketamine-induced sleeping time "
            "to assess anxiolytic and sedative activities, respectively.",
            "not_studied",
        ),
        (  # 19151967: ketamine as a comparator arm
            "Toluene has antidepressant-like actions in two animal models used for the screening "
            "of antidepressant drugs",
            "The results were compared with those obtained from mice treated with the "
            "glutamatergic antidepressants, ketamine and MK-801. Toluene facilitated both MK-801 "
            "and ketamine antidepressant-like effects.",
            "ketamine",
        ),
        (
            "Methoxetamine toxicity in a case series",
            "Methoxetamine is a ketamine analogue.",
            "not_studied",
        ),
        ("Depression in primary care", "No drug of interest is named here.", "not_studied"),
    ],
)
def test_drug_labels(title: str, abstract: str, expected: str) -> None:
    label, confidence = extract_drug(art(title, abstract))
    assert label == expected
    assert 0.0 < confidence <= 1.0


def test_mesh_only_mention_is_not_studied() -> None:
    record = art("Sleep in shift workers", "We surveyed 200 nurses.", mesh=("Ketamine",))
    assert extract_drug(record) == ("not_studied", 0.99)
    assert not mentions_ketamine("Sleep in shift workers")


# --- routes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "abstract", "drug", "expected"),
    [
        (  # 11323153
            "Treatment of central post-stroke pain with oral ketamine",
            "An intravenous ketamine trial, followed by oral ketamine with titration to 50mg three "
            "times a day was beneficial in decreasing allodynia and hyperalgesia.",
            "ketamine",
            ("iv", "oral"),
        ),
        (  # 10895748
            "Comparison of ketamine and morphine for analgesia after tonsillectomy in children.",
            "In a double blind study we compared the effects of i.m. ketamine with morphine on "
            "postoperative analgesia in children undergoing tonsillectomy.",
            "ketamine",
            ("intramuscular",),
        ),
        (  # 34092024
            "Long Term Safety and Efficacy of Sub-Lingual Ketamine Troches / Lozenges in Chronic "
            "Non-Malignant Pain Management.",
            "We present a retrospective review of twenty-nine patients (n=29) who have been "
            "receiving sub-lingual ketamine troches / lozenges.",
            "ketamine",
            ("sublingual",),
        ),
        (  # 11498314: epidural is not recorded
            "Evaluation of the safety and efficacy of epidural ketamine combined with morphine for "
            "postoperative analgesia after major upper abdominal surgery.",
            "Patients in Group 2 received epidural ketamine 1 mg/kg combined with 50 microg/kg of "
            "morphine postoperatively.",
            "ketamine",
            (),
        ),
        (  # 37771084: all esketamine nasal spray is intranasal
            "Efficacy and safety of esketamine nasal spray in addition to standard of care in "
            "patients with major depressive disorder.",
            "Patients received intranasal esketamine (n = 26) or placebo (n = 27).",
            "esketamine",
            ("intranasal",),
        ),
        (  # 12791116: the route named for ketamine, morphine's own route ignored
            "Double-blind randomized placebo-controlled trial of the effect of ketamine on "
            "postoperative morphine consumption in children following appendicectomy.",
            "the ketamine bolus group received 500 micro g.kg-1 intravenous (i.v.) ketamine "
            "preincision and a saline infusion postoperatively.",
            "ketamine",
            ("iv",),
        ),
        ("Ketamine in rats", "Ketamine (10 mg/kg, i.p.) was injected.", "ketamine", ()),
        ("Intravenous iron in anaemia", "Iron was given intravenously.", "not_studied", ()),
    ],
)
def test_routes(title: str, abstract: str, drug: str, expected: tuple[str, ...]) -> None:
    assert extract_routes(art(title, abstract), drug) == expected


# --- sample size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        # 33864906
        (
            "RESULTS: 430 medical students participated, 37.9 % (n = 163) from Israel and 62.1 % "
            "(n = 267) from Thailand.",
            "observational",
            430,
        ),
        # 12791116: number words; the ASA class is not a count
        (
            "Seventy-five ASA 1 or 2 children aged 7-16 years were recruited, and randomly "
            "allocated to one of three groups.",
            "rct",
            75,
        ),
        # 33447961: groups listed with one noun are summed
        (
            "METHODS: A cross-sectional study was conducted "
            "during the first week of May 2020 among "
            "510 Israeli and 505 Italian participants.",
            "observational",
            1015,
        ),
        # 37771084: group sizes only
        (
            "Patients with major depressive disorder and suicidal ideation with intent received "
            "intranasal esketamine (n = 26) or placebo (n = 27), "
            "plus standard of care for 25 days.",
            "rct",
            53,
        ),
        # 34095397: the responders, not the pool
        (
            "Results: Of 367 total patients identified, 113 responded to the survey.",
            "observational",
            113,
        ),
        # 31166571: randomised beats enrolled
        (
            "In this phase 3, multicenter, double-blind, "
            "randomized withdrawal study conducted from "
            "October 6, 2015, to February 15, 2018, at outpatient "
            "referral centers, 705 adults with "
            "prospectively confirmed TRD were enrolled; 455 "
            "entered the optimization phase. After 16 "
            "weeks of esketamine treatment, 297 who achieved stable remission or stable response "
            "entered the randomized withdrawal phase.",
            "rct",
            297,
        ),
        # 34088351
        (
            "RESULTS: Six thousand two hundred ten volunteer parents responded to the questions "
            "concerning mood changes, and were included in the present study.",
            "observational",
            6210,
        ),
        # 34097050: a thin-space thousands separator
        (
            "Results: Among 43 465 patients with COVID-19 aged 18 years or younger, 22 943 (52.8%) "
            "were female patients.",
            "observational",
            43465,
        ),
        # 34091128: patients and controls are summed
        ("The study included 54 patients with epilepsy and 61 controls.", "observational", 115),
        # 34088352: a rate is not a sample
        (
            "The incidence rate of IHD in the BS and control groups was 2.7 and 2.9 per 1000 "
            "person-years, respectively.",
            "observational",
            None,
        ),
        # a review states no sample; an animal study has none
        ("We included 12 trials with 1,234 patients.", "meta_analysis", None),
        (
            "Sixty adult male Sprague-Dawley rats were randomly divided into five groups.",
            "preclinical",
            None,
        ),
        ("A 61-year-old man with chronic back pain received ketamine.", "case_report", 1),
    ],
)
def test_sample_size(abstract: str, design: str, expected: int | None) -> None:
    assert extract_sample_size(art("A study", abstract), design) == expected


def test_sample_size_skips_background_sections() -> None:
    record = art(
        "x",
        "BACKGROUND: Depression affects 300 patients in every clinic.\nMETHODS: We enrolled 42 "
        "adults.",
        abstract_sections=(
            AbstractSection(
                "BACKGROUND", "BACKGROUND", "Depression affects 300 patients in every clinic."
            ),
            AbstractSection("METHODS", "METHODS", "We enrolled 42 adults."),
        ),
    )
    assert extract_sample_size(record, "observational") == 42


@pytest.mark.parametrize(
    ("title", "abstract", "design", "expected"),
    [
        # 34015682: an aside between the number and its noun
        (
            "A study",
            "One hundred and seven (52 females) university students without psychiatric "
            "disorders underwent the Trier Social Stress Task.",
            "observational",
            107,
        ),
        # 34097368: "Of the N randomised" leads with the sample, not a pool
        (
            "A study",
            "Of the 135 patients who underwent randomization, 67 were assigned to receive "
            "rituximab and 68 to receive mycophenolate mofetil.",
            "rct",
            135,
        ),
        # 33773120: the verb next to the count ("screened") beats a later "randomly assigned"
        (
            "A study",
            "Between Jan 11, 2017, and July 31, 2019, 293 patients were screened, of which 226 "
            "patients were randomly assigned to the riociguat group (n=111) or to the PDE5i "
            "group (n=115).",
            "rct",
            226,
        ),
        # 31904295: a follow-up time elsewhere in the sentence does not stop summing groups
        (
            "A study",
            "Adults with ADHD received MBCT (n = 43) or TAU (n = 51), and mediation of change "
            "was examined at 6-month follow-up.",
            "rct",
            94,
        ),
        # 34093358: the title is read when the abstract states no number
        (
            "A Study on 1,006 Italians Under COVID-19 Lockdown.",
            "This study evaluated the psychological repercussions of isolation during the "
            "lockdown. Results showed that the longer the isolation, the worse the mental health.",
            "observational",
            1006,
        ),
        # 412995, 34015580: equal groups
        (
            "A study",
            "Two groups of 12 cholecystectomized patients were given central venous infusions.",
            "nonrandomized_trial",
            24,
        ),
        (
            "A study",
            "Patients were randomized into two groups (n = 25 each) to receive either "
            "intraperitoneal ondansetron or saline.",
            "rct",
            50,
        ),
        # 34091804: a treatment protocol in the title is not a study protocol
        (
            "Importance of ERAS Protocol Compliance for Length of Stay in Ovarian Cancer Surgery.",
            "RESULTS: We included 49 patients in the CM group and 50 patients in the ERAS group.",
            "observational",
            99,
        ),
        # 33191408: hyphenated number words
        (
            "A study",
            "One-hundred-and-sixty-four patients were randomised (1:1) to receive topotecan or "
            "belotecan.",
            "rct",
            164,
        ),
        # 34092845: three groups of one size are three groups
        (
            "A study",
            "Group I (n = 41) received ICN blocks, Group T (n = 41) SCTAP block, and Group C "
            "(n = 41) no postoperative block.",
            "rct",
            123,
        ),
        # 26708803: patients "identified" in records are the sample, not a screened pool
        (
            "A study",
            "Thirty-seven patients were identified as presenting with neonatal torsion. "
            "Twenty-two patients were noted to have a contralateral hydrocele at presentation.",
            "observational",
            37,
        ),
        # 34097307: "2016, a total of 76" is no denominator
        (
            "A study",
            "Between 2008 and 2016, a total of 76 eligible patients who underwent narrow-margin "
            "resection were enrolled.",
            "observational",
            76,
        ),
        # 412581: those who completed a course are a subset of the treated
        (
            "A study",
            "Seventy patients with far-advanced malignancies were treated with microwave "
            "irradiation. Of the twenty-one patients who completed the planned course of "
            "treatments, 90% experienced complete relief.",
            "nonrandomized_trial",
            70,
        ),
        # 32043980: two clauses, each with its own verb, are not a list of groups
        (
            "A study",
            "Between March 1, 2007, and Sept 24, 2012, 148 patients who were good clinical "
            "responders were randomly assigned to treatment, three patients were excluded after "
            "randomisation.",
            "rct",
            148,
        ),
        # 415954, 426267: a second group named further on in the sentence
        (
            "A study",
            "The questionnaire was filled out by the parents of 422 epileptic children and those "
            "of 150 healthy control children of the same age.",
            "observational",
            572,
        ),
        (
            "A study",
            "In 22 elderly patients we found no significant differences in oxygen tension "
            "compared to a control group of 19 patients.",
            "rct",
            41,
        ),
        # 33422612: a dose is not a listed count
        (
            "A study",
            "A total of 59 patients with 77 lesions were randomized to 24 Gy SDRT and 58 patients "
            "with 77 lesions to 3 x 9 Gy SBRT.",
            "rct",
            117,
        ),
        # 24073931: "(n = 18, 24%)" is a category of the sample, not a group to add
        (
            "A study",
            "We retrospectively analysed the data of 74 patients that underwent distal "
            "pancreatectomy. Main indications were insulinoma (n=18, 24%), ductal adenocarcinoma "
            "(n=9, 12%) and pancreatic cysts (n=8, 11%).",
            "observational",
            74,
        ),
        # 33848764: a ";" inside brackets does not end the sentence
        (
            "A study",
            "The cases were randomly divided into Group 1 (n = 100; F 56, M 44) for curettage "
            "and autogenous bone grafting, and Group 2 (n = 100; F 55, M 45) for curettage and "
            "bone graft substitutes.",
            "rct",
            200,
        ),
        # 9483814: "another 10 women" adds a group
        (
            "A study",
            "They were allocated at random: 10 women received only pethidine intravenously, "
            "another 10 women were additionally treated by paracervical anaesthesia.",
            "rct",
            20,
        ),
        # 29426732: "(58.2% men and 41.8% women)" describes the count, it does not make it a part
        (
            "A study",
            "Retrospective descriptive study of 190 patients (58.2% men and 41.8% women) treated "
            "between 2005 and 2013. They were divided into group 1 (n=85) and group 2 (n=80).",
            "observational",
            190,
        ),
        # 24235894: a sex breakdown of an uncounted sample adds up
        (
            "A study",
            "A sample of SB patients (12 females, 4 males; age range: 17-39 years) was recorded "
            "in a sleep laboratory.",
            "observational",
            16,
        ),
        # 32954831: drivers are people
        (
            "A study",
            "Twenty-four drivers completed two simulated drives following a normal night of sleep.",
            "other",
            24,
        ),
    ],
)
def test_sample_size_readings(title: str, abstract: str, design: str, expected: int) -> None:
    assert extract_sample_size(art(title, abstract), design) == expected


def test_sample_size_reads_the_aim_when_methods_state_none() -> None:
    aim = (
        "Cortical thickness was evaluated in 76 older adults with SCP and 100 typical older adults."
    )
    record = art(  # 33935071
        "x",
        f"OBJECTIVE: {aim}\nMETHODS: Regions of interest were investigated.",
        abstract_sections=(
            AbstractSection("OBJECTIVE", "OBJECTIVE", aim),
            AbstractSection("METHODS", "METHODS", "Regions of interest were investigated."),
        ),
    )
    assert extract_sample_size(record, "observational") == 176


def test_animal_study_without_design_has_no_sample() -> None:
    record = art(  # 25980993
        "Ketamine-mediated alleviation of electroconvulsive shock-induced memory impairment",
        "Sixty adult male Sprague-Dawley rats were randomly divided into the following five "
        "groups. The rats were tested in the Morris water maze.",
    )
    assert is_animal_study(record)
    assert extract_sample_size(record) is None


# --- key finding -----------------------------------------------------------------------------


def test_key_finding_is_the_conclusions_section() -> None:
    sections = (  # 10704411 (pubmed21n1298)
        AbstractSection("RESULTS", "RESULTS", "We present evidence that dopamine plays a role."),
        AbstractSection(
            "CONCLUSIONS",
            "CONCLUSIONS",
            "We show that in Drosophila, as in mammals, dopaminergic pathways play a "
            "role in modulating specific behavioral responses to cocaine.",
        ),
    )
    record = art("x", "RESULTS: ...\nCONCLUSIONS: ...", abstract_sections=sections)
    assert extract_key_finding(record) == sections[1].text


def test_key_finding_from_an_inline_label() -> None:
    record = art(  # 33864906, as the seed JSONL flattens it
        "x",
        "OBJECTIVES: To examine attitudes.\nRESULTS: 430 medical students participated.\n"
        "CONCLUSIONS: The findings of this study accentuate the need for curriculum designed "
        "around MC use.",
    )
    assert extract_key_finding(record) == (
        "The findings of this study accentuate the need for curriculum designed around MC use."
    )


def test_key_finding_of_an_unstructured_abstract_is_the_cue_sentence() -> None:
    record = art(  # 10812259, shortened
        "x",
        "We examine the effect of morphine or ketamine treatment on secondary hyperalgesia. "
        "In this double-blind, cross-over study, 12 healthy volunteers received placebo, morphine "
        "and ketamine. We show that ketamine or morphine treatment starting preinjury "
        "significantly reduces this development (P<0.01, both). These findings suggest that "
        "preinjury NMDA receptor blockade prevents central sensitization.",
    )
    assert extract_key_finding(record) == (
        "These findings suggest that preinjury NMDA receptor blockade prevents central "
        "sensitization."
    )
    assert extract_key_finding(art("x", "")) is None


def test_sentences_split_on_sentence_ends_only() -> None:
    text = "Ketamine (0.5 mg/kg i.v.) was given. Pain fell; nausea did not.\nCONCLUSIONS: Good."
    assert sentences(text) == [
        "Ketamine (0.5 mg/kg i.v.) was given.",
        "Pain fell; nausea did not.",
        "CONCLUSIONS: Good.",
    ]
