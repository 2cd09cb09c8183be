"""Citations for writers: AMA text and RIS, BibTeX and CSL-JSON exports, pure functions.

AMA follows the AMA Manual of Style (11th ed., §3). The exports go through rispy and
bibtexparser so that reference managers can read them back; CSL-JSON is plain data that any
CSL processor (citeproc-py, citeproc-js, pandoc) renders. PubMed gives authors as
"Family Initials" or, for groups, the collective name verbatim; every format keeps the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from core.article import Article

NO_AUTHORS = "no authors listed in PubMed"
NO_YEAR = "year not recorded"
MAX_LISTED_AUTHORS = 6  # AMA: list up to 6 authors; past 6, the first 3 and "et al."
AUTHORS_BEFORE_ET_AL = 3
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DOI_URL = "https://doi.org/{doi}"
# Words that mark a CollectiveName ("STAR*D Study Team") rather than "Family Initials".
_GROUP_WORDS = frozenset(
    (
        "group", "groups", "consortium", "investigators", "collaboration", "collaborative",
        "committee", "network", "society", "association", "team", "trialists", "study",
        "council", "board", "panel", "workgroup",
    )
)  # fmt: skip
_INITIALS = re.compile(r"[^\W\d_a-z]{1,4}")  # upper-case letters, any script: "JA", "Ö"
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


# --- what a record lacks ----------------------------------------------------------------------


def record_gaps(article: Article) -> tuple[str, ...]:
    """What PubMed's record lacks that a citation needs, in words for readers.

    A citation without authors or a year must say so, never look complete.
    """
    gaps = []
    if not any(_flat(a) for a in article.authors):
        gaps.append(NO_AUTHORS)
    if not article.year:
        gaps.append(NO_YEAR)
    return tuple(gaps)


def gaps_note(article: Article) -> str:
    """The gaps as one sentence ("No authors listed in PubMed; year not recorded."), or ""."""
    gaps = record_gaps(article)
    if not gaps:
        return ""
    text = "; ".join(gaps)
    return f"{text[0].upper()}{text[1:]}."


# --- AMA ---------------------------------------------------------------------------------------


def format_ama(article: Article) -> str:
    """The article as an AMA reference, ending with its DOI and PMID.

    "Author AA, Author BB. Title. Journal Abbrev. Year;Vol(Issue):Pages. doi:… PMID: …";
    missing authors and year are said in brackets where they belong, other missing parts are
    left out with their punctuation.
    """
    parts = [
        _ama_authors(article.authors) or f"[{NO_AUTHORS[0].upper()}{NO_AUTHORS[1:]}].",
        _sentence(article.title),
        _sentence(_ama_journal(article)),
        _sentence(_locator(article)),
        f"doi:{article.doi}." if article.doi else "",
        f"PMID: {article.pmid}",
    ]
    return " ".join(part for part in parts if part)


def _ama_authors(authors: tuple[str, ...]) -> str:
    if not authors:
        return ""
    if len(authors) > MAX_LISTED_AUTHORS:
        return ", ".join(authors[:AUTHORS_BEFORE_ET_AL]) + ", et al."
    return _sentence(", ".join(authors))


def _ama_journal(article: Article) -> str:
    """NLM's abbreviation without full stops ("Br. J. Pharmacol." -> "Br J Pharmacol")."""
    if article.journal_abbrev:
        spaced = re.sub(r"\.(?=\w)", " ", article.journal_abbrev)  # "J.Neurosci" keeps a gap
        return _flat(spaced.replace(".", ""))
    return _flat(article.journal)


def _locator(article: Article) -> str:
    """Year;Volume(Issue):Pages, with whatever of it PubMed gave; a missing year is said."""
    text = str(article.year) if article.year else f"[{NO_YEAR[0].upper()}{NO_YEAR[1:]}]"
    if article.volume:
        text += f";{article.volume}"
    if article.issue:
        text += f"({article.issue})"
    if article.pages:
        text += f":{full_pages(article.pages)}"
    return text.lstrip(";")


def _sentence(text: str | None) -> str:
    """Text ending in one full stop (titles ending in ? or ! keep theirs)."""
    text = _flat(text)
    if not text:
        return ""
    return text if text[-1] in ".?!" else f"{text}."


# --- shared pieces -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """One author split for the exports: a person (family, given) or a group (literal)."""

    family: str | None = None
    given: str | None = None
    literal: str | None = None


def split_author(name: str) -> Name:
    """Split PubMed's "Family Initials" ("van Norren D"); anything else is a group's name."""
    name = _flat(name)
    family, _, given = name.rpartition(" ")
    words = {w.strip(".,*()").lower() for w in name.split()}
    if family and _INITIALS.fullmatch(given) and not words & _GROUP_WORDS:
        return Name(family=family, given=given)
    return Name(literal=name)


def pubmed_url(article: Article) -> str:
    """The article's PubMed page."""
    return PUBMED_URL.format(pmid=quote(article.pmid, safe=""))


def doi_url(article: Article) -> str | None:
    """The article's DOI resolver link, or None without a DOI."""
    if not article.doi:
        return None
    return DOI_URL.format(doi=quote(article.doi, safe="/:()<>[]-._~"))


def full_pages(pages: str | None) -> str:
    """Page ranges written out in full, as AMA asks ("511-5, 520-2" -> "511-515, 520-522")."""
    ranges = [part.strip() for part in _flat(pages).split(",") if part.strip()]
    return ", ".join(_full_range(part) for part in ranges)


def _full_range(text: str) -> str:
    start, dash, end = (part.strip() for part in text.partition("-"))
    if start.isdigit() and end.isdigit() and len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{start}{dash}{end}"


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """First and last page, the last written out in full ("511-5" -> "511", "515")."""
    ranges = full_pages(pages).split(", ")
    first = ranges[0].partition("-")[0]
    last_start, _, last_end = ranges[-1].partition("-")
    return first or None, (last_end or last_start) or None


def _issued(article: Article) -> list[int] | None:
    """[year, month, day] as far as PubMed's date goes ("2021 May 29", "2019 Jun")."""
    if not article.year:
        return None
    parts: list[int] = [article.year]
    words = _flat(article.pub_date).split()
    if len(words) > 1 and words[0] == str(article.year) and words[1][:3].lower() in _MONTHS:
        parts.append(_MONTHS[words[1][:3].lower()])
        if len(words) > 2 and words[2].isdigit() and 1 <= int(words[2]) <= 31:
            parts.append(int(words[2]))
    return parts


def _unique(articles: Sequence[Article]) -> list[Article]:
    """Each PMID once, first occurrence kept: ids and keys must be unique in every export."""
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(article.pmid, article)
    return list(first.values())


def _flat(text: object) -> str:
    """One line: newlines, tabs and Unicode line separators become single spaces."""
    return " ".join(str(text).split()) if text is not None else ""


# --- CSL-JSON ----------------------------------------------------------------------------------


def to_csl_json(articles: Sequence[Article]) -> list[dict[str, Any]]:
    """CSL-JSON items (type article-journal); missing fields are left out, never null."""
    return [_csl_item(article) for article in _unique(articles)]


def _csl_item(article: Article) -> dict[str, Any]:
    first, last = page_range(article.pages)
    item: dict[str, Any] = {
        "id": article.pmid,
        "type": "article-journal",
        "title": _flat(article.title),
        "container-title": _flat(article.journal),
        "container-title-short": _flat(article.journal_abbrev),
        "author": [_csl_name(split_author(a)) for a in article.authors],
        "issued": {"date-parts": [parts]} if (parts := _issued(article)) else None,
        "volume": _flat(article.volume),
        "issue": _flat(article.issue),
        "page": f"{first}-{last}" if first and last and first != last else first,
        "DOI": article.doi,
        "PMID": article.pmid,
        "PMCID": article.pmc,
        "URL": pubmed_url(article),
        "note": gaps_note(article),  # CSL's free-text note: what the record lacks
    }
    return {key: value for key, value in item.items() if value}


def _csl_name(name: Name) -> dict[str, str]:
    if name.literal:
        return {"literal": name.literal}
    return {"family": name.family or "", "given": name.given or ""}


# --- RIS ---------------------------------------------------------------------------------------


def to_ris(articles: Sequence[Article]) -> str:
    """An RIS file (JOUR records); every value on one line so no text can end a record."""
    return rispy.dumps([_ris_record(article) for article in _unique(articles)])


def _ris_record(article: Article) -> dict[str, Any]:
    first, last = page_range(article.pages)
    record: dict[str, Any] = {
        "type_of_reference": "JOUR",
        "authors": [_ris_name(split_author(a)) for a in article.authors],
        "title": _flat(article.title),
        "secondary_title": _flat(article.journal),  # T2: the journal
        "alternate_title1": _flat(article.journal_abbrev),  # J2: its abbreviation
        "year": str(article.year) if article.year else "",
        "volume": _flat(article.volume),
        "number": _flat(article.issue),
        "start_page": first or "",
        "end_page": last if last and last != first else "",
        "doi": _flat(article.doi),
        "accession_number": article.pmid,  # AN: the PMID, as PubMed's own RIS has it
        "name_of_database": "PubMed",
        "urls": [url for url in (pubmed_url(article), doi_url(article)) if url],
        "notes": [note] if (note := gaps_note(article)) else [],  # N1: what the record lacks
    }
    return {key: value for key, value in record.items() if value}


def _ris_name(name: Name) -> str:
    return name.literal or f"{name.family}, {name.given}"


# --- BibTeX ------------------------------------------------------------------------------------

# LaTeX's special characters, spelled so that braces stay balanced for BibTeX's own counting.
_LATEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\textbraceleft{}",
        "}": r"\textbraceright{}",
        "%": r"\%",
        "&": r"\&",
        "#": r"\#",
        "$": r"\$",
        "_": r"\_",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
    }
)


def latex_escape(text: str | None) -> str:
    """Text safe inside a BibTeX field: LaTeX specials escaped, on one line, UTF-8 kept."""
    return _flat(text).translate(_LATEX_ESCAPES)


def bibtex_key(article: Article) -> str:
    """A stable, unique citation key: "pmid" and the PMID."""
    return f"pmid{re.sub(r'[^0-9A-Za-z]', '', article.pmid)}"


def to_bibtex(articles: Sequence[Article]) -> str:
    """A BibTeX file of @article entries (UTF-8, for biber or bibtex8); titles keep their case."""
    library = bibtexparser.Library([_bibtex_entry(article) for article in _unique(articles)])
    return bibtexparser.write_string(library)


def _bibtex_entry(article: Article) -> Entry:
    first, last = page_range(article.pages)
    values = {
        "author": " and ".join(_bibtex_name(split_author(a)) for a in article.authors),
        "title": f"{{{latex_escape(article.title)}}}" if article.title else "",
        "journal": latex_escape(article.journal or article.journal_abbrev),
        "shortjournal": latex_escape(article.journal_abbrev),
        "year": str(article.year) if article.year else "",
        "volume": latex_escape(article.volume),
        "number": latex_escape(article.issue),
        "pages": latex_escape(f"{first}--{last}" if last and last != first else first),
        "doi": re.sub(r"[{}\\\s]", "", article.doi or ""),  # a verbatim field: no escapes
        "pmid": article.pmid,
        "eprint": article.pmid,
        "eprinttype": "pubmed",
        "url": pubmed_url(article),
        "note": latex_escape(gaps_note(article)),  # what the record lacks
    }
    fields = [Field(key, value) for key, value in values.items() if value]
    return Entry("article", bibtex_key(article), fields)


def _bibtex_name(name: Name) -> str:
    if name.literal:  # braced, so BibTeX neither splits it at "and" nor reorders it
        return f"{{{latex_escape(name.literal)}}}"
    return f"{latex_escape(name.family)}, {latex_escape(name.given)}"
