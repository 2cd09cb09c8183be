"""Pure parsing of PubMed XML: bytes in, ``Article`` / ``Deletion`` / ``Quarantined`` out.

PubMed XML is untrusted. The document is never handed to an XML parser whole: ``pubmed.split``
checks the prolog (refusing entity declarations) and cuts out one record at a time, and each
record is parsed alone by lxml with entities, DTDs and network off. So memory stays flat with
file size, no DTD is ever fetched, and one bad or oversized record is quarantined instead of
failing its batch.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from lxml import etree

from core.article import Article, Deletion, Quarantined
from pubmed import xml_citation as cite
from pubmed.split import (
    MAX_RECORD_BYTES,
    HostileXMLError,
    OversizedRecord,
    PubmedXMLError,
    TruncatedXMLError,
    best_pmid,
    cut_references,
    split_chunks,
    split_records,
)
from pubmed.xml_elements import Group, first, group, kids, text, texts
from pubmed.xml_fields import record_fields

__all__ = [
    "MAX_RECORD_BYTES",
    "HostileXMLError",
    "OversizedRecord",
    "PubmedXMLError",
    "TruncatedXMLError",
    "iter_records",
    "parse_bytes",
    "parse_chunk",
    "parse_deletions",
    "parse_record",
    "split_chunks",
    "split_records",
]


# ---------------------------------------------------------------------------------------------
# Parsing one record.

_DIGITS = re.compile(r"[0-9]+")
_THREAD = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers are not thread-safe; reuse saves ~2% of parse time."""
    parser: etree.XMLParser | None = getattr(_THREAD, "parser", None)
    if parser is None:
        parser = _THREAD.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
    return parser


class _Discard:
    """A parser target that keeps nothing: libxml2 checks well-formedness, no tree is built."""

    def close(self) -> None:
        return None


def _checker() -> etree.XMLParser:
    """This thread's parser that builds nothing (see ``_parser``)."""
    checker: etree.XMLParser | None = getattr(_THREAD, "checker", None)
    if checker is None:
        checker = _THREAD.checker = etree.XMLParser(
            target=_Discard(),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
    return checker


def _load_light(chunk: bytes) -> etree._Element | None:
    """The article parsed without its reference lists (~30% of the parse), or None: parse it
    whole. The lists are checked well-formed at their own depth without building them, and the
    empty list left in their place must sit in PubmedData's content, so a record is accepted
    or refused exactly as whole; anything else (a damaged record) is parsed whole."""
    cut = cut_references(chunk)
    if cut is None:
        return None
    light, refs = cut
    try:
        etree.fromstring(b"<a><d>" + refs + b"</d></a>", _checker())
        root = etree.fromstring(light, _parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    marks = list(root.iter("ReferenceList"))
    mark = marks[0] if len(marks) == 1 else None
    if mark is None or len(mark) or mark.text is not None or mark.attrib:
        return None
    data = mark.getparent()
    if data is None or data.tag != "PubmedData" or data.getparent() is not root:
        return None
    return None if root.getroottree().docinfo.doctype else root


def _load(chunk: bytes) -> etree._Element | Quarantined:
    """Parse a chunk to its root element, or quarantine it with the reason."""
    light = _load_light(chunk)
    if light is not None:
        return light
    try:
        root = etree.fromstring(chunk, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        kind = "entity reference" if "Entity '" in str(exc) else "not well-formed XML"
        return _quarantine(chunk, f"{kind}: {exc}")
    if root.getroottree().docinfo.doctype:
        return _quarantine(chunk, "a record must not carry its own DOCTYPE")
    return root


def _quarantine(chunk: bytes, reason: str) -> Quarantined:
    return Quarantined(reason=reason, pmid=best_pmid(chunk), raw=chunk)


def parse_record(chunk: bytes) -> Article | Quarantined:
    """Parse one PubmedArticle or PubmedBookArticle; never raises, quarantines instead."""
    root = _load(chunk)
    if isinstance(root, Quarantined):
        return root
    if root.tag == "PubmedArticle":
        build = _article
    elif root.tag == "PubmedBookArticle":
        build = _book
    else:
        return _quarantine(chunk, f"unexpected element <{root.tag}>, not a PubMed record")
    try:
        article = build(root)
    except Exception as exc:  # a record must never stop the batch; raw is kept to re-parse
        return _quarantine(chunk, f"could not extract fields: {type(exc).__name__}: {exc}")
    return article if article is not None else _quarantine(chunk, "record has no valid PMID")


def parse_deletions(chunk: bytes) -> list[Deletion | Quarantined]:
    """Parse a DeleteCitation; a damaged one is quarantined whole, never guessed at."""
    root = _load(chunk)
    if isinstance(root, Quarantined):
        return [root]
    if root.tag != "DeleteCitation":
        return [_quarantine(chunk, f"expected <DeleteCitation>, got <{root.tag}>")]
    pmids = [(p.text or "").strip() for p in root.iterfind("PMID")]
    if not all(_DIGITS.fullmatch(p) for p in pmids):
        return [_quarantine(chunk, "DeleteCitation holds a PMID that is not a number")]
    return [Deletion(pmid=p) for p in pmids]


def _pmid(el: etree._Element | None) -> str | None:
    pmid = text(el)
    return pmid if pmid and _DIGITS.fullmatch(pmid) else None


def _article(root: etree._Element) -> Article | None:
    """Build an Article from a PubmedArticle element."""
    top = group(root)
    citation = first(top, "MedlineCitation")
    cit = group(citation)
    pmid = _pmid(first(cit, "PMID"))
    if citation is None or pmid is None:
        return None
    art, data = group(first(cit, "Article")), group(first(top, "PubmedData"))
    journal = group(first(art, "Journal"))
    issue = group(first(journal, "JournalIssue"))
    pub = group(first(issue, "PubDate"))
    ids, dates = cite.ids(first(data, "ArticleIdList")), cite.history(first(data, "History"))
    shared = _shared(cit, art, texts(kids(first(art, "PublicationTypeList"), "PublicationType")))
    return Article(
        pmid=pmid,
        title=text(first(art, "ArticleTitle")),
        journal=text(first(journal, "Title")),
        journal_abbrev=text(first(journal, "ISOAbbreviation"))
        or text(first(group(first(cit, "MedlineJournalInfo")), "MedlineTA")),
        volume=text(first(issue, "Volume")),
        issue=text(first(issue, "Issue")),
        pages=cite.pages(group(first(art, "Pagination"))),
        year=cite.year(pub) or cite.year(group(first(art, "ArticleDate"))),
        pub_date=cite.pub_date(pub),
        doi=ids.get("doi") or cite.elocation_doi(art),
        pmc=ids.get("pmc"),
        authors=cite.authors(art.get("AuthorList", ())),
        language=text(first(art, "Language")),
        status=citation.get("Status"),
        entry_date=dates.get("entrez"),
        created_date=cite.calendar_date(first(cit, "DateCreated")) or dates.get("pubmed"),
        revised_date=cite.calendar_date(first(cit, "DateRevised")),
        **shared,
        **record_fields(cit, art, shared["abstract"]),
    )


def _book(root: etree._Element) -> Article | None:
    """Build an Article from a PubmedBookArticle: the book's title stands in for a journal."""
    top = group(root)
    doc = group(first(top, "BookDocument"))
    pmid = _pmid(first(doc, "PMID"))
    if pmid is None:
        return None
    book, data = group(first(doc, "Book")), group(first(top, "PubmedBookData"))
    pub = group(first(book, "PubDate"))
    ids = cite.ids(first(doc, "ArticleIdList")) | cite.ids(first(data, "ArticleIdList"))
    dates = cite.history(first(data, "History"))
    book_title = text(first(book, "BookTitle"))
    shared = _shared(doc, doc, texts(doc.get("PublicationType", ())))
    return Article(
        pmid=pmid,
        title=text(first(doc, "ArticleTitle")) or book_title,
        journal=book_title,
        volume=text(first(book, "Volume")),
        year=cite.year(pub),
        pub_date=cite.pub_date(pub),
        doi=ids.get("doi") or cite.elocation_doi(doc),
        pmc=ids.get("pmc"),
        authors=cite.authors(doc.get("AuthorList", ())) or cite.authors(book.get("AuthorList", ())),
        language=text(first(doc, "Language")),
        entry_date=dates.get("entrez"),
        created_date=dates.get("pubmed"),
        revised_date=cite.calendar_date(first(doc, "DateRevised")),
        is_book=True,
        **shared,
        **record_fields(doc, doc, shared["abstract"]),
    )


def _shared(cit: Group, art: Group, ptypes: tuple[str, ...]) -> dict[str, Any]:
    """Fields read the same way from articles and books: abstract, MeSH, notices."""
    abstract = cite.sections(kids(first(art, "Abstract"), "AbstractText"))
    mesh, major = cite.mesh(kids(first(cit, "MeshHeadingList"), "MeshHeading"))
    refs: dict[str, list[str]] = {}
    for cc in kids(first(cit, "CommentsCorrectionsList"), "CommentsCorrections"):
        refs.setdefault(cc.get("RefType") or "", []).extend(texts(kids(cc, "PMID")))
    keywords = [k for kl in cit.get("KeywordList", ()) for k in kids(kl, "Keyword")]
    return {
        "abstract": "\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in abstract)
        or None,
        "abstract_sections": abstract,
        "mesh": mesh,
        "mesh_major": major,
        "publication_types": ptypes,
        "keywords": texts(keywords),
        "retracted": "Retracted Publication" in ptypes or "RetractionIn" in refs,
        "retraction_notices": tuple(refs.get("RetractionIn", ())),
        "concern": "ExpressionOfConcernIn" in refs,
        "concern_notices": tuple(refs.get("ExpressionOfConcernIn", ())),
        "retraction_of": tuple(refs.get("RetractionOf", ())),
        "concern_for": tuple(refs.get("ExpressionOfConcernFor", ())),
    }


# ---------------------------------------------------------------------------------------------
# Composition.


def iter_records(
    stream: BinaryIO, max_record: int = MAX_RECORD_BYTES
) -> Iterator[Article | Deletion | Quarantined]:
    """Parse a PubmedArticleSet stream record by record; an oversized one is quarantined."""
    for chunk in split_chunks(stream, max_record=max_record):
        yield from parse_chunk(chunk)


def parse_chunk(chunk: bytes | OversizedRecord) -> Sequence[Article | Deletion | Quarantined]:
    """What one piece that ``split_chunks`` cut out holds: a record, deletions or a quarantine."""
    if isinstance(chunk, OversizedRecord):
        return [Quarantined(reason=chunk.reason, pmid=chunk.pmid, raw=chunk.head)]
    if chunk.startswith(b"<DeleteCitation"):
        return parse_deletions(chunk)
    return [parse_record(chunk)]


def parse_bytes(data: bytes) -> list[Article | Deletion | Quarantined]:
    """Parse a whole PubmedArticleSet held in memory (small efetch responses)."""
    return list(iter_records(io.BytesIO(data)))
