"""The citation's parts, read from a record's elements: abstract sections, MeSH, authors, ids,
pages and dates. Pure functions over lxml elements (the parser's one-pass child index).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from lxml import etree

from core.article import AbstractSection
from pubmed.xml_elements import Group, first, kids, text

_YEAR = re.compile(r"\d{4}")
_AUTHOR_PARTS = ("Author", "LastName", "ForeName", "Initials", "CollectiveName")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUM = {m.lower(): i for i, m in enumerate(_MONTHS, 1)}


def sections(parts: list[etree._Element]) -> tuple[AbstractSection, ...]:
    """Abstract parts with text; NLM's placeholder label 'UNLABELLED' means no label."""
    out = []
    for el in parts:
        label, body = el.get("Label"), text(el)
        if body:
            label = None if label in ("", "UNLABELLED") else label
            out.append(AbstractSection(label=label, category=el.get("NlmCategory"), text=body))
    return tuple(out)


def mesh(headings: list[etree._Element]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Descriptors, and those major on the descriptor or on any qualifier."""
    names: list[str] = []
    major: list[str] = []
    for heading in headings:
        name, is_major = None, False
        for part in heading:  # one DescriptorName, then QualifierNames
            if part.tag == "DescriptorName":
                name = text(part)
            is_major = is_major or part.get("MajorTopicYN") == "Y"
        if name:
            names.append(name)
            if is_major:
                major.append(name)
    return tuple(names), tuple(major)


def authors(lists: Iterable[etree._Element]) -> tuple[str, ...]:
    """'Smith JA' per valid author, CollectiveName verbatim; editors are not authors."""
    names: list[str] = []
    for author_list in lists:
        if author_list.get("Type") == "editors":
            continue
        parts: dict[str, etree._Element] = {}
        valid = False
        # one C-level walk per list makes no objects for affiliations: ~40% faster than loops
        for el in author_list.iter(*_AUTHOR_PARTS):
            if el.tag == "Author":
                if valid and (name := _person(parts)):
                    names.append(name)
                parts, valid = {}, el.get("ValidYN") != "N"
            else:
                parts.setdefault(el.tag, el)
        if valid and (name := _person(parts)):
            names.append(name)
    return tuple(names)


def _person(parts: dict[str, etree._Element]) -> str | None:
    """'Smith JA' (initials made from ForeName if missing), or the CollectiveName."""
    if "CollectiveName" in parts:
        return text(parts["CollectiveName"])
    last, initials = text(parts.get("LastName")), text(parts.get("Initials"))
    if not (last and initials) and (fore := text(parts.get("ForeName"))):
        initials = initials or "".join(w[0] for w in re.split(r"[\s-]+", fore) if w).upper()
        last = last or fore
    return " ".join(p for p in (last, initials) if p) or None


def ids(id_list: etree._Element | None) -> dict[str, str]:
    """The record's own ids by IdType, first one wins (never those of cited references)."""
    found: dict[str, str] = {}
    for el in kids(id_list, "ArticleId"):
        value = text(el)
        if value:
            found.setdefault(el.get("IdType") or "", value)
    return found


def elocation_doi(group: Group) -> str | None:
    """The publisher's DOI where the id list has none."""
    for loc in group.get("ELocationID", ()):
        if loc.get("EIdType") == "doi" and loc.get("ValidYN") != "N":
            return text(loc)
    return None


def pages(pagination: Group) -> str | None:
    """MedlinePgn, else StartPage-EndPage."""
    medline = text(first(pagination, "MedlinePgn"))
    if medline:
        return medline
    start, end = text(first(pagination, "StartPage")), text(first(pagination, "EndPage"))
    return f"{start}-{end}" if start and end else start


def year(group: Group) -> int | None:
    """Year from Year, else the first four digits of MedlineDate."""
    m = _YEAR.search(text(first(group, "Year")) or text(first(group, "MedlineDate")) or "")
    return int(m.group()) if m else None


def pub_date(pub: Group) -> str | None:
    """A human date as PubMed shows it: '2021 May 29', '2020 Spring', or the MedlineDate."""
    medline = text(first(pub, "MedlineDate"))
    if medline:
        return medline
    month = text(first(pub, "Month"))
    # (the length checks keep int() clear of Python's 4,300-digit limit on damaged values)
    if month and month.isdecimal() and len(month) <= 4 and 1 <= int(month) <= 12:
        month = _MONTHS[int(month) - 1]
    day, season = text(first(pub, "Day")), text(first(pub, "Season"))
    if day and day.isdecimal() and len(day) <= 4:
        day = str(int(day))  # PubMed shows '2021 Jun 7', not '07'
    parts = (text(first(pub, "Year")), month, day, season)
    return " ".join(p for p in parts if p) or None


def calendar_date(el: etree._Element | None) -> date | None:
    """A calendar date from Year/Month/Day (month as number or name); None if unusable."""
    if el is None:
        return None
    y = month = day = ""
    for part in el:
        tag, value = part.tag, (part.text or "").strip()
        if tag == "Year":
            y = value
        elif tag == "Month":
            month = value
        elif tag == "Day":
            day = value
    try:  # a damaged value may also overflow C long or exceed int()'s digit limit
        month_num = int(month) if month.isdecimal() else _MONTH_NUM.get(month[:3].lower(), 1)
        return date(int(y), month_num, int(day) if day.isdecimal() else 1)
    except (ValueError, OverflowError):
        return None


def history(dates: etree._Element | None) -> dict[str, date]:
    """Only the entrez and pubmed dates are wanted; the rest are not worth parsing."""
    out: dict[str, date] = {}
    for el in () if dates is None else dates:
        status = el.get("PubStatus")
        if status in ("entrez", "pubmed") and status not in out and (when := calendar_date(el)):
            out[status] = when
    return out
