"""pubmed.parser on real PubMed XML: fields, hostile input, damage, truncation, memory."""

from __future__ import annotations

import gzip
import http.server
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import ClassVar

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.article import AbstractSection, Article, CommentCorrection, Deletion, Quarantined
from pubmed.parser import (
    HostileXMLError,
    PubmedXMLError,
    TruncatedXMLError,
    iter_records,
    parse_bytes,
    parse_deletions,
    parse_record,
    split_records,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
# Ten real records and the DeleteCitation of NLM update file pubmed21n1298, cut out unchanged.
FEATURES = (DATA / "pubmed_xml" / "pubmed21n1298-features.xml").read_bytes()
METAPUB = DATA / "formats" / "metapub-efetch"
ENTREZ = DATA / "formats" / "biopython-entrez"
KETAMINE = ROOT / "data" / "ketamine" / "ketamine-records.xml"
UPDATE_FILE = ROOT / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz"
PROLOG = FEATURES[: FEATURES.index(b"<PubmedArticleSet>")]


def by_pmid(records: list) -> dict[str, Article]:
    return {r.pmid: r for r in records if isinstance(r, Article)}


def record_bytes(pmid: str) -> bytes:
    """One record of FEATURES, exactly as split_records yields it."""
    chunks = split_records(io.BytesIO(FEATURES))
    return next(c for c in chunks if f">{pmid}</PMID>".encode() in c[:400])


def document(*chunks: bytes) -> bytes:
    return PROLOG + b"<PubmedArticleSet>\n" + b"\n".join(chunks) + b"\n</PubmedArticleSet>\n"


# --- splitting ------------------------------------------------------------------------------


def test_split_yields_each_record_exactly_as_received() -> None:
    chunks = list(split_records(io.BytesIO(FEATURES)))
    assert len(chunks) == 11
    assert [c[:15] for c in chunks[:10]] == [b"<PubmedArticle>"] * 10
    assert chunks[-1].startswith(b"<DeleteCitation>")
    assert chunks[-1].endswith(b"</DeleteCitation>")
    pos = len(PROLOG)
    for chunk in chunks:  # in order, byte for byte, nothing between them but whitespace
        start = FEATURES.index(chunk, pos)
        assert FEATURES[pos:start].strip() in (b"", b"<PubmedArticleSet>")
        pos = start + len(chunk)
    assert FEATURES[pos:].strip() == b"</PubmedArticleSet>"


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 15, 16, 17, 100, 4099])
def test_split_is_independent_of_read_boundaries(chunk_size: int) -> None:
    chunks = list(split_records(io.BytesIO(FEATURES)))
    junk = document(chunks[0], b"<!-- c --><?pi x?><Junk>x</Junk> stray text", chunks[1])
    for data in (FEATURES, junk):
        expected = list(split_records(io.BytesIO(data)))
        assert list(split_records(io.BytesIO(data), chunk_size=chunk_size)) == expected
    assert list(split_records(io.BytesIO(junk)))[1] == b"<Junk>x</Junk> stray text\n"


def test_records_without_whitespace_between_them() -> None:
    data = (ENTREZ / "pubmed1.xml").read_bytes()  # Biopython's efetch: '</PubmedArticle><Pubm...'
    assert b"</PubmedArticle><PubmedArticle>" in data
    assert [r.pmid for r in parse_bytes(data)] == ["12091962", "9997"]


def test_empty_set_yields_nothing() -> None:
    assert parse_bytes((METAPUB / "37909814.xml").read_bytes()) == []
    assert parse_bytes(PROLOG + b"<PubmedArticleSet/>") == []


def test_book_file_without_doctype() -> None:
    (book,) = parse_bytes((METAPUB / "20301546.xml").read_bytes())
    assert isinstance(book, Article) and book.is_book


# --- whole records ---------------------------------------------------------------------------


def test_expression_of_concern_notice_whole_record() -> None:
    notice = parse_record(record_bytes("34096680"))
    assert notice == Article(
        pmid="34096680",
        title="Expression of Concern: Molecular mechanism whereby paraoxonase-2 regulates "
        "coagulation activation through endothelial tissue factor in rat haemorrhagic shock model.",
        journal="International wound journal",
        journal_abbrev="Int Wound J",
        year=2021,
        pub_date="2021 Jun 7",
        doi="10.1111/iwj.13614",
        publication_types=("Expression of Concern",),
        language="eng",
        status="Publisher",
        entry_date=date(2021, 6, 7),
        created_date=date(2021, 6, 8),
        revised_date=date(2021, 6, 7),
        concern_for=("32090497",),
        comments_corrections=(CommentCorrection("ExpressionOfConcernFor", "32090497"),),
    )


def test_article_under_expression_of_concern() -> None:
    article = by_pmid(parse_bytes(FEATURES))["32090497"]
    assert (article.concern, article.concern_notices) == (True, ("34096680",))
    assert not article.retracted and article.concern_for == ()
    assert article.mesh_major == (
        "Aryldialkylphosphatase",
        "Blood Coagulation",
        "Shock, Hemorrhagic",
        "Thrombomodulin",
    )
    assert len(article.mesh) == 14 and article.mesh[0] == "Animals"


def test_retraction_notice_whole_record() -> None:
    notice = parse_record(record_bytes("34086808"))
    assert notice == Article(
        pmid="34086808",
        title="Retraction:\xa0Identifying developmental trajectories of worldwide road traffic "
        "accident death rates using a latent growth mixture modeling approach.",
        journal="PloS one",
        journal_abbrev="PLoS One",
        volume="16",
        issue="6",
        pages="e0253092",
        year=2021,
        pub_date="2021",
        doi="10.1371/journal.pone.0253092",
        authors=("PLOS ONE Editors",),
        publication_types=("Retraction of Publication",),
        language="eng",
        status="PubMed-not-MEDLINE",
        entry_date=date(2021, 6, 4),
        created_date=date(2021, 6, 5),
        revised_date=date(2021, 6, 7),
        retraction_of=("30785919",),
        comments_corrections=(CommentCorrection("RetractionOf", "30785919"),),
    )


def test_retracted_publication() -> None:
    article = by_pmid(parse_bytes(FEATURES))["27602157"]
    assert article.retracted and article.retraction_notices == ("34093767",)
    assert "Retracted Publication" in article.publication_types
    assert (article.pmc, article.doi) == ("PMC4998573", "10.3892/ol.2016.4904")
    assert (article.status, article.pub_date, article.pages) == (
        "PubMed-not-MEDLINE",
        "2016 Sep",
        "2163-2168",
    )


def test_ketamine_record_whole() -> None:
    first = parse_bytes(KETAMINE.read_bytes())[0]
    abstract = first.abstract or ""
    assert abstract.startswith("Complex regional pain syndrome (CRPS) is a chronic pain")
    assert abstract.endswith("miR-605 regulation of CXCL5 can regulate inflammation.")
    assert first == Article(
        pmid="34062414",
        title="Hsa-miR-605 regulates the proinflammatory chemokine CXCL5 in complex regional "
        "pain syndrome.",
        abstract=abstract,
        abstract_sections=(AbstractSection(label=None, category=None, text=abstract),),
        journal="Biomedicine & pharmacotherapy = Biomedecine & pharmacotherapie",
        journal_abbrev="Biomed Pharmacother",
        volume="140",
        pages="111788",
        year=2021,
        pub_date="2021 May 29",
        doi="10.1016/j.biopha.2021.111788",
        authors=(
            *("Pande R", "Parikh A", "Shenoda B", "Ramanathan S"),
            *("Alexander GM", "Schwartzman RJ", "Ajit SK"),
        ),
        publication_types=("Journal Article",),
        keywords=(
            *("CXCL5", "Complex regional pain syndrome", "Inflammation"),
            *("Pain", "miR-605", "miRNA"),
        ),
        language="eng",
        status="Publisher",
        entry_date=date(2021, 6, 1),
        created_date=date(2021, 6, 2),
        revised_date=date(2021, 6, 7),
        affiliations=(  # seven authors, four affiliations; "PA\xa019102" as NLM wrote it
            "Department of Pharmacology and Physiology, Drexel University College of Medicine, "
            "Philadelphia, PA\xa019102, United States; Microbiology and Immunology Graduate "
            "Program, Drexel University College of Medicine, Philadelphia, PA 19102, "
            "United States.",
            "Department of Pharmacology and Physiology, Drexel University College of Medicine, "
            "Philadelphia, PA\xa019102, United States.",
            "Department of Neurology, Drexel University College of Medicine, Philadelphia, "
            "PA\xa019102, United States.",
            "Department of Pharmacology and Physiology, Drexel University College of Medicine, "
            "Philadelphia, PA\xa019102, United States. Electronic address: ska52@drexel.edu.",
        ),
    )


def test_book_article_whole_record() -> None:
    (book,) = parse_bytes((METAPUB / "20301546.xml").read_bytes())
    labels = ("CLINICAL CHARACTERISTICS", "DIAGNOSIS/TESTING", "MANAGEMENT", "GENETIC COUNSELING")
    assert tuple(s.label for s in book.abstract_sections) == labels
    assert book.abstract_sections[1].text == (
        "The diagnosis of HMSN/ACC is established in a proband with suggestive findings and "
        "biallelic pathogenic variants in SLC12A6 identified by molecular genetic testing."
    )
    assert book == replace(
        Article(pmid="20301546"),
        title="Hereditary Motor and Sensory Neuropathy with Agenesis of the Corpus Callosum",
        abstract="\n".join(f"{s.label}: {s.text}" for s in book.abstract_sections),
        abstract_sections=book.abstract_sections,
        journal="GeneReviews®",  # BookTitle with <sup>&#174;</sup> flattened
        year=1993,
        pub_date="1993",
        authors=("Gauvreau C", "Brisson JD", "Dupré N"),  # the editors are not authors
        publication_types=("Review",),
        keywords=book.keywords,
        language="eng",
        entry_date=date(2020, 9, 17),
        created_date=date(2020, 9, 17),
        revised_date=date(2020, 9, 17),
        is_book=True,
        affiliations=(  # the authors' (the editors' list is not read)
            "Neurology resident, CHU de Québec – Enfant-Jésus, Laval University, Quebec City, "
            "Canada",
            "Neurologist, Groupe de Recherche Interdisciplinaire sur les Maladies "
            "Neuromusculaires, Centre Intégré Universitaire de Santé et de Services Sociaux du "
            "Saguenay-Lac-Saint-Jean;, Sherbrooke University, Quebec, Canada",
            "Neurologist, Neurogenetics Clinic, Department of Neurological Sciences, CHA – "
            "Enfant-Jésus, Quebec City, Canada",
        ),
    )
    assert book.keywords[:2] == (
        "Agenesis of Corpus Callosum with Peripheral Neuropathy (ACCPN)",
        "Andermann Syndrome",
    )


def test_structured_abstract_matches_training_data_format() -> None:
    article = by_pmid(parse_bytes(FEATURES))["33864906"]
    assert [(s.label, s.category) for s in article.abstract_sections] == [
        ("OBJECTIVES", "OBJECTIVE"),
        ("DESIGN", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert (article.abstract or "").startswith(
        "OBJECTIVES: To examine attitudes and beliefs about medical cannabis (MC)"
    )
    assert "Israel and Thailand.\nDESIGN: Cross-sectional survey" in (article.abstract or "")
    assert article.abstract == "\n".join(f"{s.label}: {s.text}" for s in article.abstract_sections)


def test_unlabelled_placeholder_is_no_label() -> None:
    """NLM writes Label="UNLABELLED" on some sections (9 in the two NLM files); PubMed hides it."""
    raw = record_bytes("33864906").replace(b'Label="OBJECTIVES"', b'Label="UNLABELLED"')
    article = parse_record(raw)
    assert isinstance(article, Article)
    assert article.abstract_sections[0].label is None
    assert (article.abstract or "").startswith("To examine attitudes")


def test_dates_and_collective_names() -> None:
    records = by_pmid(parse_bytes(FEATURES))
    medline_date = records["32680798"]
    assert (medline_date.pub_date, medline_date.year) == ("2021 Jun-Jul", 2021)
    assert medline_date.authors[-1] == "GEMARA-SEIMC - REIPI Pseudomonas study group"
    assert medline_date.authors[:2] == ("Mulet X", "Fernández-Esgueva M")
    assert (records["34092875"].pub_date, records["34092875"].year) == ("2020 Jul-Sep", 2020)
    season = records["34092829"]
    assert (season.pub_date, season.year, season.created_date) == (
        "2020 Spring",
        2020,
        date(2020, 4, 1),
    )


def test_inline_markup_and_mathml_flattened() -> None:
    records = by_pmid(parse_bytes(FEATURES))
    raw = record_bytes("34092205")
    assert b"<mml:math" in raw
    abstract = records["34092205"].abstract or ""
    assert "<" not in abstract and "mml" not in abstract
    assert "two-compartment Ca2+ signalling" in abstract  # Ca<sup>2+</sup>
    assert all("  " not in (a.title or "") + (a.abstract or "") for a in records.values())


def test_year_falls_back_to_article_date() -> None:
    raw = record_bytes("34096680")
    no_pubdate_year = raw.replace(b"<Year>2021</Year>\n              <Month>Jun", b"<Month>Jun")
    assert no_pubdate_year != raw
    article = parse_record(no_pubdate_year)
    assert isinstance(article, Article)
    assert (article.year, article.pub_date) == (2021, "Jun 7")  # from ArticleDate


def test_date_created_wins_over_the_pubmed_history_date() -> None:
    (article,) = parse_bytes(
        (DATA / "formats/eutils-recorded/test_efetch__0__efetch.xml").read_bytes()
    )
    assert (article.pmid, article.created_date, article.year) == (
        "1234567",
        date(1977, 1, 29),
        1975,
    )


def test_fallbacks_for_abbreviation_pages_and_authors() -> None:
    """Real record, edited the ways other real records differ."""
    raw = record_bytes("32680798")
    edited = (
        raw.replace(b"<ISOAbbreviation>Enferm Infecc Microbiol Clin</ISOAbbreviation>", b"")
        .replace(b"<MedlinePgn>279-282</MedlinePgn>", b"<StartPage>279</StartPage>")
        .replace(b'<Author ValidYN="Y">', b'<Author ValidYN="N">', 1)
        .replace(b"<Initials>M</Initials>", b"")
    )
    assert edited.count(b"<Initials>") == raw.count(b"<Initials>") - 1
    article, before = parse_record(edited), parse_record(raw)
    assert isinstance(article, Article) and isinstance(before, Article)
    assert article.journal_abbrev == "Enferm Infecc Microbiol Clin"  # from MedlineTA
    assert (before.pages, article.pages) == ("279-282", "279")
    assert before.authors[:2] == ("Mulet X", "Fernández-Esgueva M")
    assert article.authors[0] == "Fernández-Esgueva M"  # ValidYN="N" dropped; from ForeName
    assert len(article.authors) == len(before.authors) - 1


def test_doi_only_from_the_records_own_ids() -> None:
    """Cited references carry DOIs too; they must never become the record's DOI."""
    chunk = _record_with_reference_dois()
    own = re.compile(rb'\s*<ArticleId IdType="doi">[^<]*</ArticleId>')
    reflist = chunk.index(b"<ReferenceList")
    stripped = own.sub(b"", chunk[:reflist], count=1) + chunk[reflist:]
    article = parse_record(stripped)
    assert isinstance(article, Article)
    elocation = re.search(rb'<ELocationID EIdType="doi" ValidYN="Y">([^<]*)<', chunk)
    assert article.doi == (elocation.group(1).decode() if elocation else None)
    no_elocation = re.sub(rb'<ELocationID EIdType="doi"[^>]*>[^<]*</ELocationID>', b"", stripped)
    assert parse_record(no_elocation).doi is None  # type: ignore[union-attr]


def _record_with_reference_dois() -> bytes:
    for path in sorted(METAPUB.glob("*.xml")):
        for chunk in split_records(io.BytesIO(path.read_bytes())):
            refs = chunk.find(b"<ReferenceList")
            if refs > 0 and b'IdType="doi"' in chunk[refs:] and b'IdType="doi"' in chunk[:refs]:
                return chunk
    raise AssertionError("no metapub record cites references with DOIs")


def test_deletions() -> None:
    records = parse_bytes(FEATURES)
    deletions = [r for r in records if isinstance(r, Deletion)]
    assert len(deletions) == 20
    assert (deletions[0], deletions[-1]) == (Deletion("31688362"), Deletion("34096142"))
    assert deletions[0].to_json() == {"pmid": "31688362", "deleted": True}


def test_damaged_delete_citation_is_quarantined_not_guessed() -> None:
    chunk = b'<DeleteCitation>\n<PMID Version="1">31688362</PMID>\n<PMID Version="1">3176'
    (quarantined,) = parse_deletions(chunk + b"</DeleteCitation>")
    assert isinstance(quarantined, Quarantined) and "well-formed" in quarantined.reason


def test_real_files_parse_without_quarantine() -> None:
    ketamine = parse_bytes(KETAMINE.read_bytes())
    assert len(ketamine) == 101 and all(isinstance(r, Article) for r in ketamine)
    efetch = [p for p in sorted(METAPUB.glob("*.xml")) if b"<PubmedArticleSet" in p.read_bytes()]
    assert len(efetch) == 215
    records = [r for p in efetch for r in parse_bytes(p.read_bytes())]
    assert len(records) == 214 and all(isinstance(r, Article) for r in records)
    assert all(r.pmid and r.title for r in records)


@pytest.mark.slow
def test_whole_update_file() -> None:
    with gzip.open(UPDATE_FILE) as stream:
        records = list(iter_records(stream))
    kinds = [type(r).__name__ for r in records]
    assert (kinds.count("Article"), kinds.count("Deletion"), len(kinds)) == (20683, 20, 20703)


# --- hostile input ---------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>
<Article><ArticleTitle>&e;</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&lol9;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (XXE, "declares entities"),
        (LAUGHS, "declares entities"),
        (b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://x/">%p;]><PubmedArticleSet/>', "entities"),
        (b"<!DOCTYPE x [%p;]><PubmedArticleSet/>", "parameter entities"),
        (b'<!DOCTYPE x [<!ATTLIST PMID Version CDATA "9">]><PubmedArticleSet/>', "internal subset"),
    ],
)
def test_entity_declarations_refused_before_anything_is_yielded(data: bytes, message: str) -> None:
    records = split_records(io.BytesIO(data))
    with pytest.raises(HostileXMLError, match=message):
        next(records)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b'<!ENTITY leak "LEAKED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server that records every request, so tests can prove nothing was fetched."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_server_fixture_records_hits(dtd_server: tuple[str, list[str]]) -> None:
    import urllib.request

    url, hits = dtd_server
    with urllib.request.urlopen(f"{url}/probe", timeout=5) as response:
        assert response.status == 200
    assert hits == ["/probe"]


def test_external_dtd_is_never_fetched(dtd_server: tuple[str, list[str]]) -> None:
    url, hits = dtd_server
    body = FEATURES[FEATURES.index(b"<PubmedArticleSet>") :]
    data = f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "{url}/pubmed.dtd">\n'
    records = parse_bytes(data.encode() + body)
    assert len(by_pmid(records)) == 10
    assert hits == []


def test_record_carrying_its_own_doctype_is_quarantined(dtd_server: tuple[str, list[str]]) -> None:
    url, hits = dtd_server
    raw = record_bytes("34096680").replace(b"<ArticleTitle>", b"<ArticleTitle>&leak;")
    external = f'<!DOCTYPE PubmedArticle SYSTEM "{url}/x.dtd">'.encode() + raw
    entity = f'<!DOCTYPE PubmedArticle [<!ENTITY leak SYSTEM "{url}/e">]>'.encode() + raw
    for chunk in (external, entity):
        result = parse_record(chunk)
        assert isinstance(result, Quarantined) and result.pmid == "34096680"
        assert b"LEAKED" not in repr(result).encode()
    assert hits == []


def test_undeclared_entity_in_a_record_is_quarantined() -> None:
    raw = record_bytes("34096680").replace(b"<ArticleTitle>", b"<ArticleTitle>&nbsp;")
    result = parse_record(raw)
    assert isinstance(result, Quarantined)
    assert result.reason.startswith("entity reference") and result.pmid == "34096680"
    assert result.raw == raw


# --- not PubMed at all -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((ENTREZ / "esearch1.xml").read_bytes(), "got <eSearchResult>"),
        ((ENTREZ / "epost2.xml").read_bytes(), "Invalid db name specified"),
        (b"<ERROR>Empty id list - nothing todo</ERROR>\n", "got <ERROR>.*Empty id list"),
        (b'{"error": "API rate limit exceeded", "count": "11"}', 'starts with b\'{"error"'),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "got <html>"),
        (b"", "empty document"),
        (b"  \n", "empty document"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><PubmedArticleSet/>', "ISO-8859-1"),
    ],
)
def test_not_a_pubmed_article_set(data: bytes, message: str) -> None:
    with pytest.raises(PubmedXMLError, match=message):
        parse_bytes(data)


def test_content_after_the_root_is_refused() -> None:
    with pytest.raises(PubmedXMLError, match="after </PubmedArticleSet>"):
        parse_bytes(FEATURES + FEATURES)  # two responses in one file: the second would be lost
    with pytest.raises(PubmedXMLError, match="after </PubmedArticleSet>"):
        parse_bytes(FEATURES + b"<!-- unfinished")
    assert len(parse_bytes(FEATURES + b"<!-- fine -->\n<?pi also fine?>\n")) == 30


# --- damage and truncation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda c: c.replace(b"</ArticleTitle>", b"</ArticleTit"), "well-formed"),
        (lambda c: c.replace(b"<Language>", b"<Language>\xff\xfe"), "well-formed"),
        (lambda c: c.replace(b"<ArticleTitle>", b"<ArticleTitle>\x00"), "well-formed"),
        (lambda c: re.sub(rb'<PMID Version="1">\d+</PMID>', b"", c, count=1), "no valid PMID"),
        (lambda c: c.replace(b"</MedlineCitation>", b""), "well-formed"),
    ],
)
def test_damaged_record_in_a_batch_is_quarantined(
    damage: Callable[[bytes], bytes], reason: str
) -> None:
    chunks = list(split_records(io.BytesIO(FEATURES)))
    chunks[4] = damage(chunks[4])
    records = parse_bytes(document(*chunks))
    quarantined = [r for r in records if isinstance(r, Quarantined)]
    assert len(quarantined) == 1 and reason in quarantined[0].reason
    assert quarantined[0].raw == chunks[4]
    assert quarantined[0].pmid == (None if "PMID" in reason else "34086808")
    assert len(by_pmid(records)) == 9 and len(records) == 30


def test_record_whose_end_tag_is_lost_does_not_swallow_the_next() -> None:
    chunks = list(split_records(io.BytesIO(FEATURES)))
    broken = chunks[4].replace(b"</PubmedArticle>", b"</PubmedArtic")
    records = parse_bytes(document(*chunks[:4], broken, *chunks[5:]))
    assert isinstance(records[4], Quarantined) and records[4].pmid == "34086808"
    assert [r.pmid for r in records[:10]] == [r.pmid for r in parse_bytes(FEATURES)[:10]]


def test_stray_content_between_records_is_quarantined_not_dropped() -> None:
    chunks = list(split_records(io.BytesIO(FEATURES)))
    records = parse_bytes(document(chunks[0], b"<Junk>x</Junk> stray", chunks[1]))
    assert [type(r) for r in records] == [Article, Quarantined, Article]


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.95])
def test_truncated_body_yields_complete_records_then_raises(cut: float) -> None:
    cut_at = int(len(FEATURES) * cut)
    complete = FEATURES[:cut_at].count(b"</PubmedArticle>")
    seen: list = []
    with pytest.raises(TruncatedXMLError, match="before </PubmedArticleSet>"):
        seen.extend(iter_records(io.BytesIO(FEATURES[:cut_at])))
    assert len(seen) == complete and all(isinstance(r, Article) for r in seen)


def test_truncation_between_records_and_inside_the_prolog() -> None:
    end = FEATURES.rindex(b"</PubmedArticleSet>")
    seen: list = []
    with pytest.raises(TruncatedXMLError):
        seen.extend(iter_records(io.BytesIO(FEATURES[:end])))
    assert len(seen) == 30
    with pytest.raises(TruncatedXMLError, match="PMID 31688362"):
        list(iter_records(io.BytesIO(FEATURES[: end - 20])))  # inside the DeleteCitation
    with pytest.raises(PubmedXMLError, match="starts with"):
        parse_bytes(FEATURES[:60])


# --- properties and memory -------------------------------------------------------------------

SMALL = document(
    record_bytes("34096680"),
    record_bytes("34086808"),
    b'<DeleteCitation><PMID Version="1">31688362</PMID></DeleteCitation>',
)
TAGS = [m.span() for m in re.finditer(rb"</?[A-Za-z][^<>]*>", SMALL)]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """Real records with flipped bytes, cut spans and deleted tags."""
    data = bytearray(SMALL)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "tag", "truncate"]))
        if kind == "tag":
            start, end = draw(st.sampled_from(TAGS))
            start, end = min(start, len(data)), min(end, len(data))
        else:
            last = max(len(data) - 1, 0)
            start = draw(st.integers(0, last) | st.integers(min(len(PROLOG) + 20, last), last))
            end = start + (1 if kind == "flip" else draw(st.integers(0, 300)))
        if kind == "flip":
            data[start:end] = bytes([draw(st.integers(0, 255))])
        elif kind == "truncate":
            del data[start:]
        else:
            del data[start:end]
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), chunk_size=st.sampled_from([1, 5, 64, 1 << 20]))
def test_mutated_documents_only_raise_pubmed_errors(data: bytes, chunk_size: int) -> None:
    records: list = []
    try:
        for chunk in split_records(io.BytesIO(data), chunk_size=chunk_size):
            if chunk.startswith(b"<DeleteCitation"):
                records.extend(parse_deletions(chunk))
            else:
                records.append(parse_record(chunk))
    except PubmedXMLError:
        pass
    for record in records:
        assert isinstance(record, Article | Deletion | Quarantined)
        assert record.pmid is None or record.pmid.isdigit()


@settings(max_examples=200, deadline=None)
@given(data=mutated())
def test_parse_record_never_raises(data: bytes) -> None:
    body = data[data.find(b"<PubmedArticle>") :] if b"<PubmedArticle>" in data else data
    assert isinstance(parse_record(body), Article | Quarantined)
    assert all(isinstance(r, Deletion | Quarantined) for r in parse_deletions(body))


def test_threads_parse_independently() -> None:
    """Each thread gets its own lxml parser; results match a sequential parse."""
    expected = parse_bytes(FEATURES)
    results: list[list] = []

    def work() -> None:
        for _ in range(5):
            results.append(parse_bytes(FEATURES))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and all(r == expected for r in results)


class _Repeat(io.RawIOBase):
    """A long PubmedArticleSet made on the fly: one real record repeated, never all in memory."""

    def __init__(self, record: bytes, count: int) -> None:
        self.parts = iter([PROLOG + b"<PubmedArticleSet>\n", *([record] * count), b"</Pubmed"])
        self.tail = b"ArticleSet>\n"
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            self.pending = next(self.parts, None) or self.tail
            self.tail = b"" if self.pending is self.tail else self.tail
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def test_memory_stays_flat_with_stream_length() -> None:
    record = record_bytes("32090497") + b"\n"  # 18 kB
    process = psutil.Process()

    def peak_growth(count: int) -> int:
        before = process.memory_info().rss
        high = before
        for i, article in enumerate(iter_records(io.BufferedReader(_Repeat(record, count)))):
            assert isinstance(article, Article)
            if i % 100 == 0:
                high = max(high, process.memory_info().rss)
        return high - before

    peak_growth(300)  # warm up allocator and caches
    small, large = peak_growth(300), peak_growth(4000)  # 5 MB vs 72 MB of XML
    assert large < small + 15_000_000


# --- oversized records -----------------------------------------------------------------------


class _Giant(io.RawIOBase):
    """A PubmedArticleSet whose middle record carries ``size`` bytes of abstract, made on the
    fly so the test itself never holds the giant (nor does the code under test)."""

    def __init__(self, before: bytes, giant: bytes, after: bytes, size: int, cut: bool = False):
        at = giant.index(b"<ArticleTitle>") + len(b"<ArticleTitle>")
        filler = b"ketamine " * 100_000
        parts = [PROLOG + b"<PubmedArticleSet>\n" + before + b"\n", giant[:at]]
        parts += [filler] * (size // len(filler))
        if not cut:
            parts += [giant[at:], b"\n" + after + b"\n</PubmedArticleSet>\n"]
        self.parts, self.pending = iter(parts), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            self.pending = next(self.parts, b"")
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def test_an_oversized_record_is_quarantined_with_its_pmid_and_the_rest_parse() -> None:
    before, giant, after = (record_bytes(p) for p in ("34096680", "34086808", "32090497"))
    process = psutil.Process()
    rss = process.memory_info().rss
    stream = io.BufferedReader(_Giant(before, giant, after, 200_000_000), 1 << 20)
    records = list(iter_records(stream))
    grown = process.memory_info().rss - rss
    assert [r.pmid for r in records] == ["34096680", "34086808", "32090497"]
    assert records[0] == parse_record(before) and records[2] == parse_record(after)
    oversized = records[1]
    assert isinstance(oversized, Quarantined)
    assert re.match(r"oversized record: 19\d,\d{3},\d{3} bytes", oversized.reason)
    assert "67,108,864-byte cap" in oversized.reason
    assert oversized.raw.startswith(b"<PubmedArticle>") and len(oversized.raw) == 64 << 10
    assert grown < 150_000_000, "the 200 MB record was skipped, not held"


def test_a_record_under_the_cap_is_held_and_parsed_whole() -> None:
    before, big, after = (record_bytes(p) for p in ("34096680", "34086808", "32090497"))
    at = big.index(b"<ArticleTitle>") + len(b"<ArticleTitle>")
    big = big[:at] + b"k " * 4_000_000 + big[at:]  # 8 MB: large, but a real size
    records = parse_bytes(document(before, big, after))
    assert [type(r) for r in records] == [Article, Article, Article]
    assert len(records[1].title or "") > 7_000_000  # type: ignore[union-attr]


def test_split_records_refuses_an_oversized_record_by_name() -> None:
    before, giant, after = (record_bytes(p) for p in ("34096680", "34086808", "32090497"))
    stream = io.BufferedReader(_Giant(before, giant, after, 70_000_000), 1 << 20)
    with pytest.raises(PubmedXMLError, match=r"PMID 34086808.*oversized"):
        list(split_records(stream))


def test_a_stream_cut_inside_an_oversized_record_is_truncated_and_names_it() -> None:
    before, giant, after = (record_bytes(p) for p in ("34096680", "34086808", "32090497"))
    seen: list = []
    stream = io.BufferedReader(_Giant(before, giant, after, 70_000_000, cut=True), 1 << 20)
    with pytest.raises(TruncatedXMLError, match="oversized record \\(PMID 34086808\\)"):
        seen.extend(iter_records(stream))
    assert [r.pmid for r in seen] == ["34096680"]


def test_a_lost_end_tag_before_the_cap_is_cut_at_the_next_record_not_skipped() -> None:
    first, second = record_bytes("34096680"), record_bytes("34086808")
    book_start = b'<PubmedBookArticle><BookDocument><PMID Version="1">1</PMID>'
    many = [second] * (70_000_000 // len(second))  # no </PubmedBookArticle> anywhere after it
    records = list(iter_records(io.BytesIO(document(first, book_start, *many))))
    assert isinstance(records[1], Quarantined) and records[1].raw.startswith(book_start)
    assert not records[1].reason.startswith("oversized")
    assert len(records) == 2 + len(many)
