"""Registrations, conflict-of-interest statements, grants, linked notices and affiliations:
parsed from real NLM records (expected values read off their XML by hand), written by
``parse``, and stored and read back by the warehouse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.article import Article, CommentCorrection, Grant, article_from_json
from pubmed.parser import iter_records, parse_bytes
from pubmed.xml_fields import registry_ids
from warehouse.db import RunLoad, Warehouse

ROOT = Path(__file__).resolve().parents[1]
# 17 real records cut out unchanged from data/pubmed/*.xml.gz (see the README beside it).
FIELDS_XML = ROOT / "tests" / "data" / "pubmed_xml" / "reviewer-fields.xml"
BOOK_XML = ROOT / "tests" / "data" / "formats" / "metapub-efetch" / "20301546.xml"
NO = ()


@pytest.fixture(scope="module")
def records() -> dict[str, Article]:
    parsed = parse_bytes(FIELDS_XML.read_bytes())
    assert all(isinstance(r, Article) for r in parsed)
    return {r.pmid: r for r in parsed if isinstance(r, Article)}


# --- registrations ---------------------------------------------------------------------------

# (PMID, what the abstract or DataBankList says, the ids expected)
REGISTRATIONS = [
    ("33515500", "Netherlands Trial Registry, NTR4132/NL3847.", ("NTR4132", "NL3847")),
    ("34095602", "Trial NL6791 (NTR6977) https://...", ("NL6791", "NTR6977")),
    ("34096787", "ChiCTR-OCB-15007326.", ("ChiCTR-OCB-15007326",)),
    (
        "34093015",
        "(EUDRACT n. 2005-000826-22 and EUDRACT n. 2015-001639-19)",
        ("EUCTR2005-000826-22", "EUCTR2015-001639-19"),
    ),
    (
        "32737577",
        "clinical trial registry of India (CTRI/2018/02/011,664)",
        ("CTRI/2018/02/011664",),
    ),
    ("32385741", "Trial registration number: ISRCTN 15535800", ("ISRCTN15535800",)),
    # the UMIN receipt number R000048012 in the same sentence is not a trial id
    ("34093259", "recptno=R000048012, Identifier: UMIN 000042071.", ("UMIN000042071",)),
    ("33686772", "...jp: JapicCTI-142693.", ("JapicCTI-142693",)),
    ("32830383", "DataBankList ClinicalTrials.gov NCT01892358 only", ("NCT01892358",)),
    ("34092248", "abstract and DataBankList IRCT20191130045556N1", ("IRCT20191130045556N1",)),
    # nine digits, in the abstract and the DataBankList alike: not cut down to an ISRCTN
    ("34096500", "ISRCTN474042962", NO),
    ("16384580", "DataBankList PDB 2C7I, 2C8M: not registries", NO),
]


@pytest.mark.parametrize(("pmid", "source", "expected"), REGISTRATIONS)
def test_registrations_are_read_from_abstract_and_databanks(
    records: dict[str, Article], pmid: str, source: str, expected: tuple[str, ...]
) -> None:
    assert records[pmid].registry_ids == expected, source


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ClinicalTrials.gov Identifier: NCT04718025; EudraCT number: 2020-005130-15).",
            ("NCT04718025", "EUCTR2020-005130-15"),
        ),
        (
            "registered (ACTRN 12617000863336) and (ACTRN12611000250932).",
            ("ACTRN12617000863336", "ACTRN12611000250932"),
        ),
        (
            "Chinese Clinical Trial Registry, CHiCTR2000033273 and ChiCTR-2000030145.",
            ("ChiCTR2000033273", "ChiCTR2000030145"),
        ),
        ("German Clinical Trials Register (DRKS)-DRKS00015308", ("DRKS00015308",)),
        (
            "JPRN-UMIN000021353 and UMIN000021353 are one trial; jRCTs031180012.",
            ("UMIN000021353", "jRCTs031180012"),
        ),
        (
            "CRiS KCT0005083; PACTR201805003381361; TCTR20170526001; SLCTR/2013/018.",
            ("KCT0005083", "PACTR201805003381361", "TCTR20170526001", "SLCTR/2013/018"),
        ),
        (
            "ReBEC RBR-5H4FNZ; RPCEC00000123; PROSPERO CRD 42020181328.",
            ("RBR-5h4fnz", "RPCEC00000123", "CRD42020181328"),
        ),
        ("EUCTR2014-001234-56-GB", ("EUCTR2014-001234-56",)),
        ("NCT\u00a001234567 (a no-break space)", ("NCT01234567",)),
    ],
)
def test_registry_ids_are_written_in_each_registry_s_form(
    text: str, expected: tuple[str, ...]
) -> None:
    assert registry_ids([text]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NCT012345678 has nine digits; XNCT01234567 is inside a word",
        "the NTR1 receptor, NTRK3 fusions, HCoV-NL63, KCTC 5316, LINC00662 and MDA-MB-231",
        "a bare 2014-001234-56, without the name of its registry",
        "RBR-5h is too short for a ReBEC id",
    ],
)
def test_look_alikes_are_not_registrations(text: str) -> None:
    assert registry_ids([text]) == ()


def test_an_id_given_twice_is_kept_once_in_first_seen_order() -> None:
    text = "NCT02706873 (ISRCTN10548241); see NCT02706873 and ISRCTN 10548241 again"
    assert registry_ids([text, "ClinicalTrials.gov ; NCT01909453 ; NCT02706873"]) == (
        "NCT02706873",
        "ISRCTN10548241",
        "NCT01909453",
    )


# --- disclosures, grants, notices, affiliations -----------------------------------------------


def test_coi_statement_is_the_text_or_none(records: dict[str, Article]) -> None:
    assert records["34093015"].coi_statement == (
        "Dr Tomas Novak reports personal fees from Krka ČR sro, outside the submitted work. "
        "The authors report no other conflicts of interest in this work."
    )
    assert records["29744390"].coi_statement == "No competing interests were disclosed."
    # NLM wrote the heading and the text together; kept as given
    assert records["31969988"].coi_statement == (
        "Conflict of interestThe authors declare that they have no conflict of interest."
    )
    assert records["33129373"].coi_statement.startswith(
        "Declaration of Interests Unrelated intellectual property of D.B. and Washington"
    )
    assert records["33515500"].coi_statement is None


def test_grants_keep_id_agency_and_country_with_none_where_absent(
    records: dict[str, Article],
) -> None:
    wellcome = Grant(id=None, agency="Wellcome Trust", country="United Kingdom")
    assert records["29744390"].grants == (wellcome,)
    assert records["16384580"].grants == (
        wellcome,
        Grant(id="042079", agency="Wellcome Trust", country="United Kingdom"),
    )
    assert records["33686772"].grants == (Grant(None, "Daiichi Sankyo Company", None),)
    assert records["34092248"].grants == (
        Grant("NRC-9815", "Ahvaz Jundishapur University of Medical Sciences", None),
        Grant("64999", "Tabriz University of Medical science", None),
    )
    nih = "United States"
    assert records["21388667"].grants == (
        Grant("P20 RR016469", "NCRR NIH HHS", nih),
        Grant("R01 HL064088-04", "NHLBI NIH HHS", nih),
        Grant("R01-064088", "PHS HHS", nih),
    )
    assert records["399300"].grants == (  # a 1970s record
        Grant("HL17731", "NHLBI NIH HHS", nih),
        Grant("HL21943", "NHLBI NIH HHS", nih),
    )
    assert [g.id for g in records["33129373"].grants] == [
        "R01 AG057701", "R01 AI129945", "R01 AG020719", "R37 AG020719",
        "U01 AG060900", "T32 AG058503", "R01 AI099108", "K08 HL141623",
    ]  # fmt: skip
    assert records["33515500"].grants == ()


def test_comments_and_corrections_keep_type_and_pmid(records: dict[str, Article]) -> None:
    assert records["21388667"].comments_corrections == (CommentCorrection("ErratumIn", "34092359"),)
    assert records["33129373"].comments_corrections == (
        CommentCorrection("UpdateOf", "32817969"),
        CommentCorrection("CommentIn", "33790222"),
    )
    # two CommentIn entries, one per version of the same commentary: one pair
    assert records["29744390"].comments_corrections == (CommentCorrection("CommentIn", "30271887"),)
    assert records["33515500"].comments_corrections == ()


def test_the_notices_of_the_feature_records_and_only_the_wanted_types() -> None:
    features = ROOT / "tests" / "data" / "pubmed_xml" / "pubmed21n1298-features.xml"
    got = {r.pmid: r.comments_corrections for r in parse_bytes(features.read_bytes())
           if isinstance(r, Article)}  # fmt: skip
    assert got["32090497"] == (CommentCorrection("ExpressionOfConcernIn", "34096680"),)
    assert got["34096680"] == (CommentCorrection("ExpressionOfConcernFor", "32090497"),)
    assert got["27602157"] == (CommentCorrection("RetractionIn", "34093767"),)
    assert got["34086808"] == (CommentCorrection("RetractionOf", "30785919"),)
    # a record whose CommentsCorrectionsList holds 42 RefType="Cites" entries and nothing else
    cites = ROOT / "tests/data/formats/eutils-recorded"
    cites /= "test_eutils_xmlfacades_pubmedarticle_29915538__0__efetch.xml"
    (article,) = parse_bytes(cites.read_bytes())
    assert isinstance(article, Article)
    assert cites.read_text(encoding="utf-8").count('RefType="Cites"') == 42
    assert article.comments_corrections == ()


def test_affiliations_are_each_once_in_author_order(records: dict[str, Article]) -> None:
    assert records["34096787"].affiliations == (  # four authors, one affiliation
        "Department of Laser and Aesthetic Medicine, Affiliated to Shanghai Jiaotong University "
        "School of Medicine, Shanghai, China.",
    )
    assert records["34093015"].affiliations == (
        "NIMH Clinical Center, National Institute of Mental Health Czech Republic, Klecany, "
        "Czech Republic.",
        "Department of Psychiatry and Medical Psychology, Third Medical Faculty, Charles "
        "University, Prague, Czech Republic.",
    )
    arizona = records["33129373"].affiliations
    assert len(arizona) == 19  # 37 affiliation elements
    assert arizona[0] == (
        "Department of Immunobiology, University of Arizona College of Medicine, Tucson, "
        "Tucson, AZ, USA."
    )
    assert arizona[-1].endswith("Electronic address: deeptab@arizona.edu.")
    assert records["399300"].affiliations == ()


def test_a_book_s_fields_come_from_its_book_document() -> None:
    (book,) = [r for r in parse_bytes(BOOK_XML.read_bytes()) if isinstance(r, Article)]
    assert book.is_book
    assert book.affiliations[0] == (  # the authors' three; the editors' list is not read
        "Neurology resident, CHU de Québec – Enfant-Jésus, Laval University, Quebec City, Canada"
    )
    assert len(book.affiliations) == 3
    assert (book.registry_ids, book.coi_statement, book.grants) == ((), None, ())


# --- parse output and the record's JSON --------------------------------------------------------


def test_parse_lines_carry_the_fields_as_designed(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "parse", str(FIELDS_XML), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = {d["pmid"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(lines) == 17
    line = lines["34092248"]
    assert line["registry_ids"] == ["IRCT20191130045556N1"]
    assert line["coi_statement"] is None or isinstance(line["coi_statement"], str)
    assert line["grants"] == [
        {"id": "NRC-9815", "agency": "Ahvaz Jundishapur University of Medical Sciences",
         "country": None},
        {"id": "64999", "agency": "Tabriz University of Medical science", "country": None},
    ]  # fmt: skip
    assert lines["33129373"]["comments_corrections"] == [
        {"type": "UpdateOf", "pmid": "32817969"},
        {"type": "CommentIn", "pmid": "33790222"},
    ]
    assert lines["29744390"]["coi_statement"] == "No competing interests were disclosed."
    assert lines["33515500"]["coi_statement"] is None
    assert all(isinstance(d["affiliations"], list) for d in lines.values())


def test_json_rebuilds_the_same_record(records: dict[str, Article]) -> None:
    for article in records.values():
        data = json.loads(json.dumps(article.to_json()))
        assert article_from_json(data) == article


# --- the warehouse -----------------------------------------------------------------------------


def _load(wh: Warehouse, articles: list[Article]) -> None:
    run = wh.start_run(window_start=date(2021, 1, 1), window_end=date(2021, 6, 1), flow_run_id="t")
    wh.load_run(run, RunLoad(articles=articles, window_end=date(2021, 6, 1)))


def test_the_warehouse_stores_and_reads_back_the_fields(
    tmp_path: Path, records: dict[str, Article]
) -> None:
    path = tmp_path / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        _load(wh, list(records.values()))
        back = {a.pmid: a for a in wh.articles()}
        assert back == records
        rows = wh.query(
            "SELECT grants[1].agency, comments_corrections[1].type, registry_ids "
            "FROM articles WHERE pmid = ?",
            ["34092248"],
        )
    assert rows == [
        ("Ahvaz Jundishapur University of Medical Sciences", None, ["IRCT20191130045556N1"])
    ]


def test_a_warehouse_from_before_the_fields_gains_them_in_place(
    tmp_path: Path, records: dict[str, Article]
) -> None:
    path = tmp_path / "old.duckdb"
    with Warehouse.open(path) as wh:
        _load(wh, [records["21388667"]])
    with duckdb.connect(str(path)) as con:  # what a file written before this change holds
        for column in ("registry_ids", "coi_statement", "grants", "comments_corrections",
                       "affiliations"):  # fmt: skip
            con.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    with Warehouse.open(path) as wh:
        (old,) = wh.articles()
        assert (old.registry_ids, old.grants, old.comments_corrections) == ((), (), ())
        _load(wh, [records["21388667"], records["34092248"]])
        assert {a.pmid: a for a in wh.articles()} == {
            p: records[p] for p in ("21388667", "34092248")
        }


def test_the_bundled_update_file_parses_with_the_new_fields_in_numbers() -> None:
    """The NLM update file holds hundreds of registrations, thousands of COI statements and
    grants, hundreds of errata and comments: the fields must find them."""
    import gzip

    with gzip.open(ROOT / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz", "rb") as stream:
        articles = [r for r in iter_records(stream) if isinstance(r, Article)]
    count = {
        "registered": sum(1 for a in articles if a.registry_ids),
        "coi": sum(1 for a in articles if a.coi_statement),
        "grants": sum(1 for a in articles if a.grants),
        "errata": sum(
            1 for a in articles if any(c.type == "ErratumIn" for c in a.comments_corrections)
        ),
    }
    assert count["registered"] > 250
    assert count["coi"] > 5000
    assert count["grants"] > 2500
    assert count["errata"] > 150
