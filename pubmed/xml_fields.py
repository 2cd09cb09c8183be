"""What a reviewer weighs beyond the label, read from a record's elements: trial registrations,
the conflict-of-interest statement, grants, linked comments and corrections, affiliations.

Pure functions over lxml elements (the parser's one-pass child index of each element).

Registration ids are written in one canonical form per registry: the id as its issuing
registry shows it, prefix in the registry's own spelling, no spaces. Prefixes are read in that
spelling or in capitals ("ChiCTR", "CHICTR"), with at most one space or hyphen before the
number; a number longer than its registry's (a typo) is not cut down to an id:

=========================  ==========================  =========================================
registry                   canonical form              also read
=========================  ==========================  =========================================
ClinicalTrials.gov         NCT01234567                 "NCT 01234567", "NCT-01234567"
ISRCTN                     ISRCTN12345678              "ISRCTN 12345678"
ANZCTR                     ACTRN12615000123456         "ACTRN 12615000123456"
ChiCTR                     ChiCTR2000031234            "CHICTR2000031234", "ChiCTR-2000031234"
                           ChiCTR-IOR-17011234         (the pre-2016 form keeps its hyphens)
EudraCT                    EUCTR2014-001234-56         "EudraCT No. 2014-001234-56": the bare
                                                       number, prefixed as WHO's ICTRP does
                                                       (its country suffix dropped), and only
                                                       in a text that names EudraCT/EUCTR
DRKS                       DRKS00012345
CTRI                       CTRI/2017/03/008184         "CTRI/2018/02/011,664"
IRCT                       IRCT20180312039068N1
Japan (JPRN)               UMIN000012345               "JPRN-UMIN000012345", "UMIN 000012345"
                           jRCTs031180012              "JPRN-jRCTs031180012": the issuing
                           JapicCTI-121234             registry's id, without ICTRP's "JPRN-"
CRiS (Korea)               KCT0001234
Netherlands                NTR1234, NL1234             the old and new numbers are both kept
PACTR                      PACTR201905761871283
ReBEC (Brazil)             RBR-5h4fnz                  suffix in lower case, as ReBEC writes it
SLCTR                      SLCTR/2013/018
TCTR                       TCTR20170526001
RPCEC (Cuba)               RPCEC00000123
LBCTR (Lebanon)            LBCTR2019010123
PROSPERO (reviews)         CRD42019123456              "CRD 42019123456"
=========================  ==========================  =========================================

Ids come from the DataBankList's accession numbers and the abstract's text, each once, in the
order the record gives them (the abstract comes before the DataBankList in PubMed XML).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from lxml import etree

from core.article import CommentCorrection, Grant
from pubmed.xml_elements import clean
from pubmed.xml_elements import text as element_text

Group = Mapping[str, Sequence[etree._Element]]

# The reference types a reviewer needs: errata, comments, updates, retractions, concerns.
COMMENT_TYPES = frozenset(
    {
        "ErratumIn",
        "ErratumFor",
        "CommentIn",
        "CommentOn",
        "UpdateIn",
        "UpdateOf",
        "RetractionIn",
        "RetractionOf",
        "ExpressionOfConcernIn",
        "ExpressionOfConcernFor",
    }
)

# One alternative per registry; group names pick the normaliser. Bounded at the end here and
# at the start by _starts_word, so a longer number (a typo, a phone number) is not cut down.
_REGISTRY = re.compile(
    r"(?:"
    r"(?P<nct>NCT)[\s-]?(?P<nct_n>\d{8})"
    r"|(?P<isrctn>ISRCTN)[\s-]?(?P<isrctn_n>\d{8})"
    r"|(?P<actrn>ACTRN)[\s-]?(?P<actrn_n>\d{14})"
    r"|(?P<chictr_old>C[Hh][Ii]CTR)-?(?P<chictr_kind>[A-Z]{2,4})-(?P<chictr_old_n>\d{8})"
    r"|(?P<chictr>C[Hh][Ii]CTR)-?(?P<chictr_n>\d{10})"
    r"|(?P<drks>DRKS)[\s-]?(?P<drks_n>\d{8})"
    r"|(?P<ctri>CTRI)/(?P<ctri_y>\d{4})/(?P<ctri_m>\d{2,3})/(?P<ctri_n>\d{3},?\d{3})"
    r"|(?P<irct>IRCT)[\s-]?(?P<irct_n>\d{8,14}N\d{1,3})"
    r"|(?:JPRN-)?(?P<umin>UMIN)[\s-]?(?P<umin_n>\d{9})"
    r"|(?:JPRN-)?(?P<jrct>[jJ]RCT)(?P<jrct_n>[0-9a-z]\d{9})"
    r"|(?:JPRN-)?(?P<japic>Japic(?:CTI)?|JAPIC(?:CTI)?)-?(?P<japic_n>\d{6})"
    r"|(?P<kct>KCT)(?P<kct_n>\d{7})"
    r"|(?P<ntr>NTR)[\s-]?(?P<ntr_n>\d{3,5})"
    r"|(?P<nl>NL)(?P<nl_n>\d{4,5})"
    r"|(?P<pactr>PACTR)[\s-]?(?P<pactr_n>\d{15})"
    r"|(?P<slctr>SLCTR)/(?P<slctr_y>\d{4})/(?P<slctr_n>\d{3})"
    r"|(?P<tctr>TCTR)[\s-]?(?P<tctr_n>\d{11})"
    r"|(?P<rpcec>RPCEC)[\s-]?(?P<rpcec_n>\d{8})"
    r"|(?P<lbctr>LBCTR)[\s-]?(?P<lbctr_n>\d{10})"
    r"|(?P<crd>CRD)[\s-]?(?P<crd_n>\d{11})"
    r"|(?P<euctr>EUCTR)[\s-]?(?P<euctr_n>\d{4}-\d{6}-\d{2})"
    r")(?![A-Za-z0-9])"
)
# Every id but ReBEC's and EudraCT's ends its prefix with two capitals, then at most one
# separator, then three digits ("NCT0", "ChiCTR-OCB-1", "UMIN 0", "jRCTs0", "NL8"). A regex
# scan of a whole abstract for even that costs more than the rest of this module together, so
# the text is first mapped in C, one byte per character (capitals to "A", digits to "0", the
# rest to " "), where a literal-led pattern finds those hints five times faster; the registry
# pattern is then tried only where the word holding each hint starts.
_TABLE = bytes(65 if 65 <= c <= 90 else 48 if 48 <= c <= 57 else 32 for c in range(256))
_HINT = re.compile(rb"AA ?000")
_MAX_PREFIX, _MAX_REST = 16, 24  # "JPRN-JapicCTI-", "CTRI/2017/03/008184"
_REBEC = re.compile(r"RBR-([0-9a-zA-Z]{6,8})(?![A-Za-z0-9])")
# A bare EudraCT number ("EudraCT No. 2014-001234-56") counts in a text naming the registry.
_EUDRACT_SHAPE = re.compile(rb"0000 000000 00")
_EUDRACT = re.compile(r"(?<![\d-])(\d{4}-\d{6}-\d{2})(?![\d-])")
_EUDRACT_NAMES = ("EudraCT", "EUDRACT", "Eudract", "EUCTR")
_PREFIX = {
    "nct": "NCT",
    "isrctn": "ISRCTN",
    "actrn": "ACTRN",
    "chictr": "ChiCTR",
    "drks": "DRKS",
    "irct": "IRCT",
    "umin": "UMIN",
    "kct": "KCT",
    "ntr": "NTR",
    "nl": "NL",
    "pactr": "PACTR",
    "tctr": "TCTR",
    "rpcec": "RPCEC",
    "lbctr": "LBCTR",
    "crd": "CRD",
}


def registry_ids(texts: Iterable[str | None]) -> tuple[str, ...]:
    """Every registration id in the texts, canonical, each once, in order of appearance."""
    found: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        mapped = text.encode("ascii", "replace").translate(_TABLE)  # offsets kept
        at: list[tuple[int, str]] = []
        if _HINT.search(mapped):
            at.extend((m.start(), _canonical(m)) for m in _registrations(text, mapped))
        if _REBEC.search(text):
            at.extend(
                (m.start(), "RBR-" + m.group(1).lower())
                for m in _REBEC.finditer(text)
                if _starts_word(text, m.start())
            )
        if _EUDRACT_SHAPE.search(mapped) and any(name in text for name in _EUDRACT_NAMES):
            at.extend((m.start(), "EUCTR" + m.group(1)) for m in _EUDRACT.finditer(text))
        found.update(dict.fromkeys(ident for _, ident in sorted(at)))
    return tuple(found)


def _registrations(text: str, mapped: bytes) -> Iterator[re.Match[str]]:
    """Registry pattern matches at the start of each hint's word (or of a part after '-')."""
    for hint in _HINT.finditer(mapped):
        end = start = hint.start()
        while start > 0 and end - start < _MAX_PREFIX and _in_prefix(text[start - 1]):
            start -= 1
        if not _starts_word(text, start):
            continue
        for at in (start, *(i + 1 for i in range(start, end) if text[i] == "-")):
            if (m := _REGISTRY.match(text, at, hint.end() + _MAX_REST)) and m.end() > end:
                yield m
                break


def _in_prefix(char: str) -> bool:
    return char.isalpha() or char == "-"


def _starts_word(text: str, i: int) -> bool:
    return i == 0 or not text[i - 1].isalnum()  # a lookbehind in the pattern: 5x slower


def _canonical(m: re.Match[str]) -> str:
    """The registry's own spelling of a matched id."""
    g = m.groupdict()
    for key, prefix in _PREFIX.items():
        if g[key]:
            return prefix + g[f"{key}_n"].upper()
    if g["chictr_old"]:
        return f"ChiCTR-{g['chictr_kind'].upper()}-{g['chictr_old_n']}"
    if g["ctri"]:
        return f"CTRI/{g['ctri_y']}/{g['ctri_m']}/{g['ctri_n'].replace(',', '')}"
    if g["jrct"]:
        return "jRCT" + g["jrct_n"].lower()
    if g["japic"]:
        return "JapicCTI-" + g["japic_n"]
    if g["slctr"]:
        return f"SLCTR/{g['slctr_y']}/{g['slctr_n']}"
    return "EUCTR" + g["euctr_n"]


def record_fields(cit: Group, art: Group, abstract: str | None) -> dict[str, Any]:
    """This module's fields of one record: ``cit`` indexes the MedlineCitation's children (a
    book's: the BookDocument's), ``art`` the Article's (the BookDocument's again)."""
    banks, grant_lists = art.get("DataBankList"), art.get("GrantList")
    coi, links, authors = (
        cit.get("CoiStatement"),
        cit.get("CommentsCorrectionsList"),
        art.get("AuthorList"),
    )  # most records lack most of these: no call is made for what is absent (~2 us a record)
    texts = [abstract, *(_databank_text(b) for dbl in banks for b in dbl)] if banks else (abstract,)
    return {
        "registry_ids": registry_ids(texts),
        "coi_statement": element_text(coi[0]) if coi else None,
        "grants": grants(grant_lists) if grant_lists else (),
        "comments_corrections": comments_corrections(links) if links else (),
        "affiliations": affiliations(authors) if authors else (),
    }


def _databank_text(bank: etree._Element) -> str:
    """'ClinicalTrials.gov NCT01234567 ...': the name lets 'EudraCT' vouch for a bare number."""
    parts = [element_text(part) for part in bank.iter("DataBankName", "AccessionNumber")]
    return " ; ".join(p for p in parts if p)


def grants(lists: Iterable[etree._Element]) -> tuple[Grant, ...]:
    """Each Grant as (GrantID, Agency, Country), absent parts None; empty entries dropped."""
    out: list[Grant] = []
    for grant_list in lists:
        for grant in grant_list:
            gid = agency = country = None
            for part in grant:
                tag = part.tag
                if tag == "GrantID":
                    gid = element_text(part)
                elif tag == "Agency":
                    agency = element_text(part)
                elif tag == "Country":
                    country = element_text(part)
            if gid or agency or country:
                out.append(Grant(gid, agency, country))
    return tuple(out)


def comments_corrections(lists: Iterable[etree._Element]) -> tuple[CommentCorrection, ...]:
    """Errata, comments, updates, retractions and concerns in order; PMID None where none is
    given. A (type, PMID) pair is kept once: PubMed lists each version of a commented preprint,
    but two entries without a PMID may be two notices, so both stay."""
    out: list[CommentCorrection] = []
    for cc_list in lists:
        for cc in cc_list:
            kind = cc.get("RefType")
            if kind not in COMMENT_TYPES:
                continue
            pmid = next((element_text(p) for p in cc if p.tag == "PMID"), None)
            entry = CommentCorrection(kind, pmid if pmid and pmid.isdecimal() else None)
            if entry.pmid is None or entry not in out:
                out.append(entry)
    return tuple(out)


def affiliations(lists: Iterable[etree._Element]) -> tuple[str, ...]:
    """The authors' affiliations, each once, in author order; editors' are not the authors'."""
    found: dict[str | None, None] = {}
    for author_list in lists:
        if author_list.get("Type") != "editors":
            found.update(
                dict.fromkeys(
                    [
                        el.text if len(el) == 0 else "".join(el.itertext())
                        for el in author_list.iter("Affiliation")
                    ]
                )
            )
    # cleaned once per distinct text (authors share affiliations): ~2x faster than per element
    return tuple(dict.fromkeys(t for t in map(clean, found) if t))
