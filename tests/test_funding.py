"""The rule-based reading of funding and industry authorship, and its scorer.

Real records come from tests/data/pubmed_xml/reviewer-fields.xml (their GrantList, COI statement
and affiliations read by hand); single sentences test one rule each. The scorer runs as the lead
runs it, in a subprocess, over labels written here for a few of those records.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.article import Article, Grant
from labels.funding import funding_of, industry_authors_of, organisation_kind, read_funding
from labels.funding_eval import ValueScore, score
from pubmed.parser import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "pubmed_xml"


@pytest.fixture(scope="module")
def records() -> dict[str, Article]:
    parsed = parse_bytes((FIXTURES / "reviewer-fields.xml").read_bytes())
    return {r.pmid: r for r in parsed if isinstance(r, Article)}


# (PMID, what the record says, funding, industry_authors)
REAL = [
    ("33686772", "GrantList: Daiichi Sankyo Company; an author at Daiichi Sankyo Co., Ltd",
     "industry", "yes"),
    ("29744390", "GrantList: Wellcome Trust; COI: no competing interests", "public", "no"),
    ("32830383", "GrantList: NIDA NIH HHS; hospital and university affiliations", "public", "no"),
    ("34092248", "GrantList: two Iranian universities of medical sciences", "public", "no"),
    # personal fees from Krka, outside the submitted work: a conflict, not funding
    ("34093015", "no GrantList; COI: personal fees from Krka outside the work", "unknown", "no"),
    ("34093259", "no GrantList; COI: no commercial or financial relationships", "unknown", "no"),
    # NIH grants; "R.S. is a founder and chief scientific officer of Geneticure"
    ("33129373", "GrantList: NIA, NIAID, NHLBI; COI: founder and CSO of a company",
     "public", "yes"),
    ("399300", "a 1970s record: NHLBI grants, no affiliations, no COI", "public", "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("pmid", "source", "funding", "authors"), REAL)
def test_real_records_read_as_their_grants_coi_and_affiliations_say(
    records: dict[str, Article], pmid: str, source: str, funding: str, authors: str
) -> None:
    reading = read_funding(records[pmid])
    assert (reading.funding, reading.industry_authors) == (funding, authors), source


def test_each_answer_carries_the_text_behind_it(records: dict[str, Article]) -> None:
    reading = read_funding(records["33686772"])
    assert reading.funding_evidence == ("grant: Daiichi Sankyo Company",)
    assert reading.industry_authors_evidence == (
        "Quantitative Clinical Pharmacology Pharmacokinetics Department, Daiichi Sankyo Co., Ltd, "
        "Tokyo, Japan.",
    )
    founder = read_funding(records["33129373"]).industry_authors_evidence
    assert founder == ("R.S. is a founder and chief scientific officer of Geneticure.",)


@pytest.mark.parametrize(
    ("coi", "expected"),
    [
        ("This study was funded by Eli Lilly and Company.", "industry"),
        ("Funding: National Natural Science Foundation of China (81570958).", "public"),
        ("This work was supported by the NIH (R01 MH100000) and by Janssen Pharmaceuticals, "
         "Inc.", "mixed"),
        ("The authors declare that this study received funding from Zoetis Inc.", "industry"),
        ("Study drug was provided by Acme Pharma Co., Ltd.", "industry"),
        ("AGS reports institutional research funding from Merck for the study presented in the "
         "article.", "industry"),
        ("This research received no specific grant from any funding agency in the public, "
         "commercial, or not-for-profit sectors.", "none_stated"),
        ("The authors have no funding or conflicts of interest to disclose.", "none_stated"),
        ("Conflicts of interest and sources of funding: none declared.", "none_stated"),
        # an author's own grants and fees are conflicts, not funding of this work
        ("KEC has received grant funding from Boehringer-Ingelheim for work unrelated to this "
         "project.", "unknown"),
        ("Dr Novak reports personal fees from Krka, outside the submitted work.", "unknown"),
        ("The authors declare no conflict of interest.", "unknown"),
        ("The funders had no role in the design of the study.", "unknown"),
        (None, "unknown"),
    ],
)  # fmt: skip
def test_coi_sentences_that_fund_the_work_and_those_that_do_not(
    coi: str | None, expected: str
) -> None:
    assert funding_of((), coi)[0] == expected


def test_grants_and_coi_together() -> None:
    nih = Grant("R01 MH100000", "NIMH NIH HHS", "United States")
    company = Grant(None, "Pfizer", None)
    assert funding_of((nih,), None)[0] == "public"
    assert funding_of((company,), None)[0] == "industry"
    assert funding_of((nih, company), None)[0] == "mixed"
    assert funding_of((nih,), "Study medication was supplied by Novartis.")[0] == "mixed"
    # a GrantList agency the rules cannot place is taken as public: NLM lists public funders
    assert funding_of((Grant("12-345", "Lorem Ipsum Initiative", None),), None)[0] == "public"
    # a stated funder outweighs a "no funding" sentence about something else
    coi = "This work was supported by the Wellcome Trust. No funding was received for the APC."
    assert funding_of((), coi)[0] == "public"


@pytest.mark.parametrize(
    ("affiliations", "coi", "expected"),
    [
        (("Janssen Research & Development, LLC, Titusville, NJ, USA.",), None, "yes"),
        (("Department of Psychiatry, Yale University; Pfizer Inc., New York, NY.",), None, "yes"),
        (("Department of Hematology, Samsung Medical Center, Seoul, Korea.",), None, "no"),
        (("Department of Pharmacology and Therapeutics, McGill University, Montreal.",), None,
         "no"),
        (("Edmonton, AB, Canada; Adelaide, SA, Australia; Co. Cork, Ireland.",), None, "no"),
        ((), "F.C.M. is an employee of Siemens Healthineers.", "yes"),
        ((), "KM, DA, CW, and KB are employed by Zoetis Inc.", "yes"),
        ((), "A.J.S.'s spouse is an employee of Trinity Partners LLC.", "no"),
        ((), "JCS is a former employee of AstraZeneca.", "no"),
        ((), "JJ is an employee of the University of Oxford.", "no"),
        ((), "KEC serves on the scientific advisory board of Novo Nordisk and BMS.", "no"),
        ((), "The authors declare no competing interests.", "no"),
        ((), None, "unknown"),
    ],
)  # fmt: skip
def test_industry_authors_from_affiliations_and_coi(
    affiliations: tuple[str, ...], coi: str | None, expected: str
) -> None:
    assert industry_authors_of(affiliations, coi)[0] == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("NIDA NIH HHS", "public"),
        ("Wellcome Trust", "public"),
        ("Novo Nordisk Foundation", "public"),
        ("Novo Nordisk", "industry"),
        ("Daiichi Sankyo Company", "industry"),
        ("Siemens Healthcare GmbH", "industry"),
        ("Kanto Denka Kogyo Co., Ltd.", "industry"),
        ("Department of Pharmaceutical Sciences, University of Toronto", "public"),
        ("Lorem Ipsum Initiative", None),
    ],
)
def test_organisations_are_placed_on_one_side_of_the_line(name: str, kind: str | None) -> None:
    assert organisation_kind(name) == kind


# --- the scorer -------------------------------------------------------------------------------


def test_precision_and_recall_per_value() -> None:
    pairs = [("industry", "industry"), ("public", "industry"), ("public", "public"),
             ("unknown", "public"), ("mixed", "unknown")]  # fmt: skip
    got = {s.value: s for s in score(pairs, ("industry", "public", "mixed", "unknown"))}
    assert got["industry"] == ValueScore("industry", gold=1, predicted=2, correct=1)
    assert (got["industry"].precision, got["industry"].recall) == (0.5, 1.0)
    assert got["public"].precision == 0.5 and got["public"].recall == 0.5
    assert got["mixed"].recall == 0.0 and got["mixed"].precision is None
    assert got["mixed"].f1 is None and got["unknown"].f1 == 0.0


def _scorer(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "labels.funding_eval", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)


def _write_labels(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_scorer_reports_each_value_over_real_records(tmp_path: Path) -> None:
    rows = [  # labels for this test, by the guide: one of them disagrees with the rules
        {"pmid": "33686772", "funding": "industry", "industry_authors": "yes"},
        {"pmid": "29744390", "funding": "public", "industry_authors": "no"},
        {"pmid": "34093015", "funding": "unknown", "industry_authors": "no"},
        {"pmid": "399300", "funding": "public", "industry_authors": "no", "note": "labelled no"},
    ]
    labels = _write_labels(tmp_path / "labels.jsonl", rows)
    done = _scorer(str(labels), "--data-dir", str(FIXTURES), "--errors", "5")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("4 labelled records\n")
    assert "funding: accuracy 1.000 (4/4)" in out
    assert "industry_authors: accuracy 0.750 (3/4)" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:2] == "  "}
    assert lines["public"] == ["2", "2", "1.000", "1.000", "1.000"]
    assert lines["no"] == ["3", "2", "1.000", "0.667", "0.800"]
    assert lines["unknown"][:2] == ["0", "1"]  # industry_authors' row: read once, never gold
    assert "no -> unknown 1" in out
    assert "PMID 399300: gold no, read unknown" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"pmid": "29744390", "funding": "public"}\n', "industry_authors must be one of"),
        ('{"pmid": "29744390", "funding": "industrial", "industry_authors": "no"}\n',
         "funding must be one of"),
        ("not json\n", "not a JSON line"),
        ('{"pmid": "1", "funding": "public", "industry_authors": "no"}\n',
         "1 labelled PMIDs are not in"),
        ('{"pmid": "29744390", "funding": "public", "industry_authors": "no"}\n'
         '{"pmid": "29744390", "funding": "unknown", "industry_authors": "no"}\n',
         "labelled differently"),
    ],
)  # fmt: skip
def test_bad_labels_give_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(content, encoding="utf-8")
    done = _scorer(str(labels), "--data-dir", str(FIXTURES))
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_labels_file_is_named(tmp_path: Path) -> None:
    done = _scorer(str(tmp_path / "nowhere.jsonl"))
    assert done.returncode == 1
    assert (
        done.stderr.strip() == f"funding_eval: {tmp_path / 'nowhere.jsonl'}: no such file or folder"
    )
