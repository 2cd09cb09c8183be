"""Citations: AMA text, and RIS, BibTeX and CSL-JSON exports read back by their own libraries.

Records come from our parser over the bundled real PubMed XML; hostile variants are real
records with one field replaced. The `cite` command runs end to end on a real warehouse file.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from pylatexenc.latex2text import LatexNodes2Text

from claims.citations import (
    bibtex_key,
    format_ama,
    latex_escape,
    record_gaps,
    split_author,
    to_bibtex,
    to_csl_json,
    to_ris,
)
from core.article import Article
from pubmed.parser import iter_records
from warehouse.db import RunLoad, Warehouse

ROOT = Path(__file__).resolve().parent.parent
KETAMINE_XML = ROOT / "data" / "ketamine" / "ketamine-records.xml"
SCRIPT = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))
SEVEN_AUTHORS = "34062414"  # Pande R … Ajit SK, Biomed Pharmacother 2021, DOI, no issue
FULL_LOCATOR = "427326"  # Br. J. Pharmacol. 1979;65(3):511-5, three authors
NON_ASCII = "32488858"  # Kara H, Özüdoğru Z, Balkaya H, Özdemir D
HOSTILE_TITLE = "50% of {unbalanced \\cmd} & $x_1$ #2 ~ ^\nER  - injected\u2028line"


@pytest.fixture(scope="module")
def records() -> list[Article]:
    with KETAMINE_XML.open("rb") as stream:
        found = [r for r in iter_records(stream) if isinstance(r, Article)]
    assert len(found) == 101
    return found


@pytest.fixture(scope="module")
def by_pmid(records: list[Article]) -> dict[str, Article]:
    return {r.pmid: r for r in records}


def flat(text: str | None) -> str:
    return " ".join((text or "").split())


def hostile(article: Article) -> Article:
    return dataclasses.replace(
        article,
        title=HOSTILE_TITLE,
        authors=(*article.authors, "Ketamine Study Group", "Müller Ö"),
    )


# --- AMA ---------------------------------------------------------------------------------------


def test_ama_cuts_seven_authors_to_three_and_et_al(by_pmid: dict[str, Article]) -> None:
    assert format_ama(by_pmid[SEVEN_AUTHORS]) == (
        "Pande R, Parikh A, Shenoda B, et al. Hsa-miR-605 regulates the proinflammatory "
        "chemokine CXCL5 in complex regional pain syndrome. Biomed Pharmacother. "
        "2021;140:111788. doi:10.1016/j.biopha.2021.111788. PMID: 34062414"
    )


def test_ama_lists_up_to_six_authors_and_writes_the_full_locator(
    by_pmid: dict[str, Article],
) -> None:
    article = by_pmid[FULL_LOCATOR]
    text = format_ama(article)
    assert text.startswith("Feger J, Hammond C, Rouzaire-Dubois B. Pharmacological properties")
    # NLM abbreviation without full stops; page range written out in full.
    doi = "doi:10.1111/j.1476-5381.1979.tb07859.x."
    assert text.endswith(f". Br J Pharmacol. 1979;65(3):511-515. {doi} PMID: 427326")
    six = dataclasses.replace(by_pmid[SEVEN_AUTHORS], authors=by_pmid[SEVEN_AUTHORS].authors[:6])
    assert format_ama(six).startswith(", ".join(six.authors) + ". Hsa-miR-605")


def test_ama_survives_missing_fields_and_newlines() -> None:
    assert format_ama(Article(pmid="1")) == (
        "[No authors listed in PubMed]. [Year not recorded]. PMID: 1"
    )
    article = Article(
        pmid="2", title="Line one\nline two", authors=("WHO Expert Committee",), year=2020
    )
    assert format_ama(article) == "WHO Expert Committee. Line one line two. 2020. PMID: 2"


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family", "given", "literal"),
    [
        ("Pande R", "Pande", "R", None),
        ("van Norren D", "van Norren", "D", None),
        ("Özüdoğru Z", "Özüdoğru", "Z", None),
        ("Müller Ö", "Müller", "Ö", None),
        ("Ketamine Study Group UK", None, None, "Ketamine Study Group UK"),
        ("World Health Organization", None, None, "World Health Organization"),
    ],
)
def test_pubmed_names_split_into_family_and_initials_or_stay_whole(
    name: str, family: str | None, given: str | None, literal: str | None
) -> None:
    split = split_author(name)
    assert (split.family, split.given, split.literal) == (family, given, literal)


# --- RIS ---------------------------------------------------------------------------------------


def test_ris_reads_back_with_rispy_for_every_real_record(records: list[Article]) -> None:
    parsed = rispy.loads(to_ris(records))
    assert len(parsed) == len(records)
    for article, ref in zip(records, parsed, strict=True):
        assert ref["type_of_reference"] == "JOUR"
        assert ref["accession_number"] == article.pmid
        assert ref.get("title") == (flat(article.title) or None)
        assert ref.get("doi") == article.doi
        assert ref.get("year") == (str(article.year) if article.year else None)
        expected = [_ris_name(a) for a in article.authors]
        assert ref.get("authors", []) == expected
        assert f"https://pubmed.ncbi.nlm.nih.gov/{article.pmid}/" in ref["urls"]


def _ris_name(author: str) -> str:
    family, _, given = author.rpartition(" ")
    return f"{family}, {given}"


def test_ris_keeps_hostile_text_inside_its_record(by_pmid: dict[str, Article]) -> None:
    article = hostile(by_pmid[NON_ASCII])
    text = to_ris([article, by_pmid[FULL_LOCATOR], Article(pmid="3")])
    parsed = rispy.loads(text)
    assert [r["accession_number"] for r in parsed] == [NON_ASCII, FULL_LOCATOR, "3"]
    assert parsed[0]["title"] == flat(HOSTILE_TITLE)
    assert parsed[0]["authors"][-2:] == ["Ketamine Study Group", "Müller, Ö"]
    assert parsed[0]["authors"][1] == "Özüdoğru, Z"
    assert (parsed[1]["start_page"], parsed[1]["end_page"]) == ("511", "515")
    assert parsed[2] == {
        "type_of_reference": "JOUR",
        "accession_number": "3",
        "name_of_database": "PubMed",
        "urls": ["https://pubmed.ncbi.nlm.nih.gov/3/"],
        "notes": ["No authors listed in PubMed; year not recorded."],
    }


# --- BibTeX ------------------------------------------------------------------------------------


def test_bibtex_reads_back_with_bibtexparser_for_every_real_record(
    records: list[Article],
) -> None:
    library = bibtexparser.parse_string(to_bibtex(records))
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [f"pmid{r.pmid}" for r in records]
    for article, entry in zip(records, library.entries, strict=True):
        fields = {k: v for k, v in entry.items() if k not in ("ID", "ENTRYTYPE")}
        assert fields["pmid"] == article.pmid
        assert fields.get("doi") == article.doi
        if article.title:
            assert fields["title"] == "{" + latex_escape(article.title) + "}"
        names = fields.get("author", "").split(" and ") if article.authors else []
        assert [n.replace(", ", " ") for n in names] == list(article.authors)


def test_bibtex_escapes_braces_backslashes_and_percent(by_pmid: dict[str, Article]) -> None:
    article = hostile(by_pmid[NON_ASCII])
    text = to_bibtex([article, Article(pmid="4"), article])  # a repeated PMID is one entry
    assert text.count("{") == text.count("}")
    assert "\nER  -" not in text and "\u2028" not in text
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [f"pmid{NON_ASCII}", "pmid4"]
    entry = library.entries[0]
    title = entry["title"]
    assert title.startswith("{") and "\\textbraceleft{}unbalanced \\textbackslash{}cmd" in title
    assert "50\\% of" in title and "\\$x\\_1\\$ \\#2" in title
    # A LaTeX reader gets the characters back (pylatexenc drops the brace and backslash
    # commands it has no text for; LaTeX itself prints them).
    decoded = LatexNodes2Text().latex_to_text(title)
    assert decoded.startswith("50% of unbalanced") and "& $x_1$ #2 ~" in decoded
    assert entry["author"].endswith(" and {Ketamine Study Group} and Müller, Ö")
    assert "Özüdoğru, Z" in entry["author"]
    empty = library.entries[1]
    assert {f.key for f in empty.fields} == {"pmid", "eprint", "eprinttype", "url", "note"}


# --- CSL-JSON ----------------------------------------------------------------------------------


def test_csl_json_items_carry_the_promised_fields(by_pmid: dict[str, Article]) -> None:
    (item,) = to_csl_json([by_pmid[SEVEN_AUTHORS]])
    assert item == {
        "id": "34062414",
        "type": "article-journal",
        "title": by_pmid[SEVEN_AUTHORS].title,
        "container-title": "Biomedicine & pharmacotherapy = Biomedecine & pharmacotherapie",
        "container-title-short": "Biomed Pharmacother",
        "author": [
            {"family": "Pande", "given": "R"},
            {"family": "Parikh", "given": "A"},
            {"family": "Shenoda", "given": "B"},
            {"family": "Ramanathan", "given": "S"},
            {"family": "Alexander", "given": "GM"},
            {"family": "Schwartzman", "given": "RJ"},
            {"family": "Ajit", "given": "SK"},
        ],
        "issued": {"date-parts": [[2021, 5, 29]]},
        "volume": "140",
        "page": "111788",
        "DOI": "10.1016/j.biopha.2021.111788",
        "PMID": "34062414",
        "URL": "https://pubmed.ncbi.nlm.nih.gov/34062414/",
    }
    (sparse,) = to_csl_json([Article(pmid="5", authors=("STAR*D Study Team",))])
    assert sparse == {
        "id": "5",
        "type": "article-journal",
        "author": [{"literal": "STAR*D Study Team"}],
        "PMID": "5",
        "URL": "https://pubmed.ncbi.nlm.nih.gov/5/",
        "note": "Year not recorded.",
    }


def test_csl_json_renders_as_a_bibliography_with_citeproc(records: list[Article]) -> None:
    chosen = [r for r in records if r.title and r.authors and r.year][:40]
    chosen.append(hostile(chosen[0]))  # a repeat of a PMID: one item
    items = json.loads(json.dumps(to_csl_json(chosen)))  # through JSON, as a writer's file
    assert len(items) == len(chosen) - 1
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    for article in chosen[:-1]:
        family = split_author(article.authors[0]).family or article.authors[0]
        hits = [text for text in rendered if flat(article.title)[:30] in text]
        assert len(hits) == 1, article.pmid
        assert family in hits[0] and str(article.year) in hits[0]


# --- records that lack authors or a year ---------------------------------------------------------


def test_every_format_says_what_a_real_record_lacks(records: list[Article]) -> None:
    """Real records PubMed gives without authors, or without a year, are cited as such in every
    format (read back by rispy, bibtexparser and citeproc-py), never as if complete."""
    no_authors = next(r for r in records if not r.authors and r.year and r.title)
    neither = next(r for r in records if not r.authors and not r.year and r.title)
    complete = next(r for r in records if r.authors and r.year and r.title)
    assert record_gaps(no_authors) == ("no authors listed in PubMed",)
    assert record_gaps(neither) == ("no authors listed in PubMed", "year not recorded")
    assert record_gaps(complete) == ()
    assert format_ama(no_authors).startswith("[No authors listed in PubMed]. ")
    assert "[Year not recorded]" in format_ama(neither)
    assert "[" not in format_ama(complete).replace(complete.title or "", "")
    both = "No authors listed in PubMed; year not recorded."
    ris = {r["accession_number"]: r for r in rispy.loads(to_ris([no_authors, neither, complete]))}
    assert ris[neither.pmid]["notes"] == [both] and "authors" not in ris[neither.pmid]
    assert ris[no_authors.pmid]["notes"] == ["No authors listed in PubMed."]
    assert "notes" not in ris[complete.pmid]
    library = bibtexparser.parse_string(to_bibtex([no_authors, neither, complete]))
    entries = {e.key: e for e in library.entries}
    assert entries[bibtex_key(neither)]["note"] == both
    assert "author" not in entries[bibtex_key(neither)].fields_dict
    assert "note" not in entries[bibtex_key(complete)].fields_dict
    items = json.loads(json.dumps(to_csl_json([no_authors, neither, complete])))
    source = CiteProcJSON(items)
    assert str(source[neither.pmid]["note"]) == both
    assert "note" not in source[complete.pmid]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    undated = next(t for t in rendered if flat(neither.title)[:30] in t)
    assert "(no date)" in undated  # the style's own words for a missing year


# --- the `cite` command ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(records: list[Article], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real warehouse file holding the bundled records, with its published snapshot."""
    db = tmp_path_factory.mktemp("cite") / "evidence.duckdb"
    retracted = dataclasses.replace(records[5], retracted=True)
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(window_start=date(2024, 1, 1), window_end=date(2024, 1, 31),
                              flow_run_id=None)  # fmt: skip
        articles = [*records[:5], retracted, *records[6:]]
        wh.load_run(run_id, RunLoad(articles=articles, window_end=date(2024, 1, 31)))
        wh.publish_snapshot()
    return db


def cite(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the console script is installed into the project's environment"
    return subprocess.run(
        [SCRIPT, "cite", *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_cite_prints_ama_in_the_order_given(warehouse: Path, by_pmid: dict[str, Article]) -> None:
    result = cite(FULL_LOCATOR, SEVEN_AUTHORS, "--db", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        format_ama(by_pmid[FULL_LOCATOR]),
        format_ama(by_pmid[SEVEN_AUTHORS]),
    ]


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csljson"])
def test_cite_exports_read_back(
    fmt: str, warehouse: Path, tmp_path: Path, by_pmid: dict[str, Article]
) -> None:
    out = tmp_path / f"refs.{fmt}"
    pmids = [SEVEN_AUTHORS, NON_ASCII, FULL_LOCATOR]
    result = cite(*pmids, "--format", fmt, "--db", str(warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "ris":
        got = [r["accession_number"] for r in rispy.loads(text)]
    elif fmt == "bibtex":
        got = [e["pmid"] for e in bibtexparser.parse_string(text).entries]
    else:
        got = [item["PMID"] for item in json.loads(text)]
        assert json.loads(text) == to_csl_json([by_pmid[p] for p in pmids])
    assert got == pmids
    assert "Özüdoğru" in text


def test_cite_names_unknown_pmids_and_still_prints_the_known(
    warehouse: Path, by_pmid: dict[str, Article]
) -> None:
    result = cite("99999999", SEVEN_AUTHORS, "12", "--db", str(warehouse))
    assert result.returncode == 1
    assert "not in the warehouse: PMID 99999999, 12" in result.stderr
    assert result.stdout == format_ama(by_pmid[SEVEN_AUTHORS]) + "\n"
    bad = cite("PMC123", "--db", str(warehouse))
    assert bad.returncode == 2 and "a PMID is digits only" in bad.stderr


def test_cite_warns_about_a_retracted_study(warehouse: Path, records: list[Article]) -> None:
    result = cite(records[5].pmid, "--db", str(warehouse))
    assert result.returncode == 0
    assert f"PMID {records[5].pmid} is retracted" in result.stderr


def test_cite_reads_the_snapshot_while_the_nightly_writer_holds_the_warehouse(
    warehouse: Path, by_pmid: dict[str, Article]
) -> None:
    with Warehouse.open(warehouse):  # the writer's lock, as during a nightly load
        result = cite(SEVEN_AUTHORS, "--db", str(warehouse), "--format", "csljson")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == to_csl_json([by_pmid[SEVEN_AUTHORS]])


def test_cite_without_a_warehouse_says_so(tmp_path: Path) -> None:
    result = cite(SEVEN_AUTHORS, "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1
    assert "no warehouse at" in result.stderr and result.stdout == ""


def test_the_study_page_byline_says_what_a_record_lacks(records: list[Article]) -> None:
    from dashboards.records import record_byline

    neither = next(r for r in records if not r.authors and not r.year and r.journal)
    complete = next(r for r in records if r.authors and r.year and r.journal)
    assert record_byline(neither) == (
        f"No authors listed in PubMed · {neither.journal} · year not recorded"
    )
    assert record_byline(complete) == (
        f"{', '.join(complete.authors[:12])} · {complete.journal} · {complete.year}"
    )
    assert "None" not in record_byline(Article(pmid="9"))
