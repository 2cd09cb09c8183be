"""Who paid for a study and whether its authors work for industry, read by rule from its
GrantList, conflict-of-interest statement and affiliations (``core.article.Article``).

``funding`` -- who paid for the work reported (grants, contracts, sponsorship, and study drug,
devices or assays given in kind). Money the authors received for other things (consulting,
honoraria, speaker fees, advisory boards, stock, grants "outside the submitted work") is a conflict
of interest, not funding of this work.

- ``industry``: every stated funder of the work is a company (at least one is).
- ``public``: every stated funder is public or non-profit: government bodies and agencies,
  universities, public and non-profit hospitals, charities, foundations, societies (at least one).
- ``mixed``: at least one company and at least one public or non-profit funder.
- ``none_stated``: the record states that the work received no funding, and names no funder.
- ``unknown``: the record does not say who paid (no GrantList, and a COI statement about the
  authors' own interests only), or names a funder that cannot be placed on either side.

``industry_authors`` -- whether at least one author works for industry:

- ``yes``: an author is employed by a company, or is its founder, owner, officer or director, as
  an affiliation or the COI statement says (a "former employee" is not).
- ``no``: nothing says so: the affiliations given are public, academic, non-profit or
  healthcare, and the COI statement, if any, reports no company employment (a COI statement is
  where it would be disclosed, so one that reports none means no, affiliations or not).
- ``unknown``: no affiliations and no COI statement to tell.

Consulting, honoraria, research grants, stock or patents alone do not make an industry author.
The same definitions, with worked examples, are the labelling guide of the evaluation set
(``labels.funding_eval``). How the rules read the text:

- An organisation is industry when it is a company this module knows by name or it carries a
  company's legal form (Inc., Ltd, LLC, GmbH, AG, S.A., K.K., plc, B.V. ...), unless it is a
  university, hospital, foundation, society or the like; it is public or non-profit when it names
  such a body or a government one. A GrantList agency that is neither is taken as public: NLM
  lists grants from public and charitable funders (a company funder is named as one).
- The COI statement is read sentence by sentence. A sentence speaks of funding of the work when
  the work is its subject ("This study was funded by ..."), it is labelled ("Funding: ...") or an
  author's grant is "for this study" or "during the conduct of the study"; a sentence that says
  "outside the submitted work" or "unrelated" never does. "No funding" sentences give none_stated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.article import Article, Grant

FUNDING_VALUES = ("industry", "public", "mixed", "none_stated", "unknown")
INDUSTRY_AUTHOR_VALUES = ("yes", "no", "unknown")


@dataclass(frozen=True, slots=True)
class FundingReading:
    """The two answers, each with the text that decided it (empty when nothing did)."""

    funding: str
    industry_authors: str
    funding_evidence: tuple[str, ...] = ()
    industry_authors_evidence: tuple[str, ...] = ()


def read_funding(article: Article) -> FundingReading:
    """Read funding and industry authorship from a record's grants, COI and affiliations."""
    funding, funding_why = funding_of(article.grants, article.coi_statement)
    authors, authors_why = industry_authors_of(article.affiliations, article.coi_statement)
    return FundingReading(funding, authors, funding_why, authors_why)


# --- organisations ---------------------------------------------------------------------------

# Companies met as funders and employers in PubMed records, by the name they are cited by.
_COMPANIES = (
    "Abbott", "AbbVie", "Alexion", "Alkermes", "Allergan", "Almirall", "Amgen", "Astellas",
    "AstraZeneca", "Axsome", "Bayer", "BeiGene", "Biogen", "BioMarin", "BioNTech",
    "Boehringer Ingelheim", "Boehringer-Ingelheim", "Boston Scientific", "Bristol Myers Squibb",
    "Bristol-Myers Squibb", "BMS", "Celgene", "Chiesi", "Chugai", "Cipla", "CSL Behring",
    "Daiichi Sankyo", "Daiichi-Sankyo", "Eisai", "Eli Lilly", "Ferring", "Fresenius",
    "Galderma", "GE Healthcare", "Genentech", "Gilead", "GlaxoSmithKline", "GSK", "Grifols",
    "Hoffmann-La Roche", "Illumina", "Incyte", "Indivior", "Ipsen", "Janssen",
    "Jazz Pharmaceuticals", "Johnson & Johnson", "Kyowa Kirin", "Lundbeck", "Medtronic",
    "Menarini", "Merck", "Moderna", "MSD", "Mylan", "Novartis", "Novo Nordisk", "Nutricia",
    "Ono Pharmaceutical", "Otsuka", "Pfizer", "Philips", "Regeneron", "Roche",
    "Sage Therapeutics", "Samsung", "Sanofi", "Seagen", "Servier", "Shionogi", "Shire",
    "Siemens", "Sumitomo", "Sunovion", "Taiho", "Takeda", "Teva", "Thermo Fisher", "UCB",
    "Vertex", "ViiV", "Zoetis", "23andMe", "Google", "Microsoft", "IBM", "Apple Inc", "Amazon",
    "Nestlé", "Nestle", "Danone", "Unilever",
)  # fmt: skip
_COMPANY_NAMES = re.compile(r"\b(?:" + "|".join(map(re.escape, _COMPANIES)) + r")(?![\w-])")
# Legal forms; "Co." alone is also Ireland's county and "SA", "AB" Australian and Canadian states.
_LEGAL_FORM = re.compile(
    r"\b(?:Inc|Ltd|LLC|L\.L\.C|GmbH|AG|S\.A|S\.p\.A|SpA|S\.r\.l|Srl|S\.L|SAS|S\.A\.S|Corp"
    r"|Corporation|K\.K|plc|PLC|B\.V|BV|N\.V|NV|A/S|Pty|KGaA|KG|Oy|Co\.,? Ltd|Company"
    r"|(?:Company|Co\.|Pty|Private) Limited)\b\.?"
    r"|\b(?:Bio)?[Pp]harma(?:ceuticals?)?\b(?!\s+(?:Sciences?|Chemistry|Technology|Engineering"
    r"|Research|Care|Policy|and)\b)|\bpharmaceutical (?:compan|industr|firm|manufactur)"
)
_NON_PROFIT = re.compile(
    r"Universi|College|School|Faculty|Hospital|Foundation|Fondation|Fondazione|Fundaci|Stiftung"
    r"|Trust\b|Society|Association|Academy|Charit|Council|Ministry|Government|National|Federal"
    r"|Agency|Department of Health|Health Service|\bNHS\b|\bNIH\b|NIHR|HHS\b|\bCDC\b|\bFDA\b"
    r"|Veterans|Research Council|Science Foundation|European (?:Union|Commission|Research)"
    r"|Horizon 2020|\bERC\b|\bDFG\b|\bJSPS\b|KAKENHI|\bAMED\b|Wellcome|Program|Commission"
    r"|Institut|Cent(?:er|re)\b|Clinic\b|Medical Cent|Province|Provincial|Municipal|State\b"
    r"|Region|City of|Fund\b|Funds\b|Grant-in-Aid|Cancer Research UK|Ministerio|Minist|\bWHO\b"
    r"|World Health Organi|United Nations|UNICEF",
)


# A company's name inside these is a sponsor's name or a place: "Samsung Medical Center".
_NOT_A_COMPANY = re.compile(
    r"Foundation|Fondation|Stiftung|Fonden|Universi|Hospital|Medical Cent|College|School", re.I
)


@lru_cache(maxsize=8192)  # the same institutions recur from record to record
def organisation_kind(text: str) -> str | None:
    """'industry', 'public' (public or non-profit) or None for one organisation's name."""
    if _COMPANY_NAMES.search(text):
        return "public" if _NOT_A_COMPANY.search(text) else "industry"
    if _LEGAL_FORM.search(text):
        return "public" if _NON_PROFIT.search(text) else "industry"
    return "public" if _NON_PROFIT.search(text) else None


def _kinds(text: str) -> set[str]:
    """The kinds of the organisations a clause names (several may share one clause)."""
    kinds: set[str] = set()
    for part in re.split(r",? and |, |; |/", text):
        kind = organisation_kind(part)
        if kind:
            kinds.add(kind)
    return kinds


# --- funding ---------------------------------------------------------------------------------

# Sentence ends after a word, not after an initial ("R.W. is an employee ..."); a line break too.
_SENTENCES = re.compile(r"(?<=[a-z0-9)\]][.!?])\s+(?=[A-Z(])|\s*\n\s*")
_UNRELATED = re.compile(
    r"outside (?:of )?(?:the|this|our) (?:submitted |present |current )?(?:work|study|article"
    r"|manuscript|research|paper)|unrelated|not related|none related|outside the scope"
    r"|other (?:projects|studies|research)|for other|previous(?:ly)?|past \d|\bspouse|family member"
    r"|\b(?:wife|husband)\b",
    re.I,
)
_NO_FUNDING = re.compile(
    r"\b(?:received|receive|had|has|have|with|was|were|is|are|required|requested)\s+no\s+"
    r"(?:specific\s+|external\s+|extramural\s+|financial\s+|outside\s+|dedicated\s+)*"
    r"(?:funding|grants?|financial support|support|sponsorship|funds)\b"
    r"|\bno\s+(?:specific\s+|external\s+)?(?:funding|grants?|financial support|sources? of funding"
    r"|sponsorship)\s+(?:was|were|has been|have been|is|to)\b"
    r"|\b(?:did not|didn't|does not)\s+receive\s+(?:any\s+)?(?:specific\s+|external\s+)?"
    r"(?:funding|grants?|financial support|support)"
    r"|\bnot\s+(?:been\s+)?(?:funded|supported|sponsored|financed)\b"
    r"|\bwithout\s+(?:any\s+)?(?:funding|financial support|external funding)"
    r"|\bunfunded\b|\bself-funded\b"
    r"|\bno\s+(?:conflicts? of interests?|competing interests?)\s+(?:or|and)\s+(?:no\s+)?funding"
    r"|\bno\s+funding\s+(?:or|and)\s+(?:no\s+)?(?:conflicts?|competing)"
    r"|\bFunding(?: sources?| information)?\s*[:.-]\s*(?:None|Nil|Not applicable|N/?A)\b",
    re.I,
)
_WORK = r"(?:study|work|research|trial|project|analysis|article|paper|review|manuscript|survey)"
_FUNDED_WORK = re.compile(
    r"\b(?:this|the|our|present|current)\s+(?:\w+\s+){0,3}?" + _WORK + r"s?\b[^.;]{0,80}?"
    r"\b(?:was|were|is|are|has been|have been|being|received|receives)\b[^.;]{0,40}?"
    r"\b(?:support|fund|sponsor|financ|paid)"
    r"|^\s*(?:Funding|Financial support|Sources? of funding|Funding sources?|Study funding"
    r"|Sponsorship)\s*(?:[:.-]|statement|information)",
    re.I,
)
# An author's grant "for this study" or "during the conduct of the study" (ICMJE's wording)
# funds the work; the author's other grants and fees do not.
_FOR_THIS_WORK = re.compile(
    r"during the conduct of the (?:study|trial)|\b(?:this|the present|the current) "
    + _WORK
    + r"|for the "
    + _WORK
    + r" (?:presented|reported|described)"
    + r"|\backnowledges? (?:the )?(?:financial )?(?:funding|support)\b",
    re.I,
)
_AUTHOR_SUBJECT = re.compile(
    r"^\s*(?:Dr\.?\s+)?(?:[A-Z][\w'’.-]*\s+){0,3}?(?:[A-Z]{2,4}\b|[A-Z]\.\s?[A-Z]\.?)"
    r"[^.;]{0,40}\b(?:reports?|received|receives|has|have|is|serves|holds|declares)\b"
)
_IN_KIND = re.compile(
    r"\b(?:drugs?|medications?|placebos?|devices?|kits?|reagents?|materials?|vaccines?|products?"
    r"|supplements?|tablets?|capsules?|equipment)\b[^.;]{0,60}\b(?:provided|supplied|donated)\b"
    r"[^.;]{0,30}\bby\b",
    re.I,
)


def funding_of(grants: Iterable[Grant], coi: str | None) -> tuple[str, tuple[str, ...]]:
    """The funding value and the grant agencies or COI sentences behind it."""
    kinds: set[str] = set()
    evidence: list[str] = []
    for grant in grants:
        name = " ".join(p for p in (grant.agency, grant.id) if p)
        if not name:
            continue
        kinds.add(organisation_kind(grant.agency or "") or "public")
        evidence.append(f"grant: {name}")
    said_none = False
    for sentence in _sentences(coi):
        if _NO_FUNDING.search(sentence) and not _kinds(_after_funding(sentence)):
            said_none = True
            evidence.append(sentence)
            continue
        found = _work_funders(sentence)
        if found:
            kinds |= found
            evidence.append(sentence)
    if "industry" in kinds:
        return ("mixed" if "public" in kinds else "industry"), tuple(evidence)
    if "public" in kinds:
        return "public", tuple(evidence)
    return ("none_stated" if said_none else "unknown"), tuple(evidence if said_none else ())


def _sentences(text: str | None) -> list[str]:
    return [s for s in _SENTENCES.split(text or "") if s.strip()]


def _work_funders(sentence: str) -> set[str]:
    """The kinds of funder of the work a COI sentence names, or none if it names none."""
    if _UNRELATED.search(sentence):
        return set()
    for_this_work = _FOR_THIS_WORK.search(sentence)
    if not (for_this_work or _FUNDED_WORK.search(sentence) or _IN_KIND.search(sentence)):
        return set()
    if _AUTHOR_SUBJECT.search(sentence) and not for_this_work:
        return set()  # an author's own grants and fees: conflicts, not funding of the work
    return _kinds(_after_funding(sentence))


def _after_funding(sentence: str) -> str:
    """The part of a sentence that names funders: what follows 'by', 'from' or a label."""
    m = re.search(r"\b(?:by|from|of)\b|[:]", sentence)
    return sentence[m.end() :] if m else sentence


# --- industry authors ------------------------------------------------------------------------

_EMPLOYED = re.compile(
    r"\b(?:employees?|employed|employment|co-?founder|founder|co-?owner"
    r"|chief \w+ officer|CEO|CSO|CMO|CTO|managing director)"
    r"(?:\s+and\s+[\w ]+?)?\s*(?:\b(?:of|at|by|with|for)\b|:)",
    re.I,
)
_NOT_EMPLOYED = re.compile(
    r"former|formerly|previously|no\s+(?:author|one)|none of the authors|not\s+(?:an?\s+)?employ"
    r"|spouse|family member|\b(?:wife|husband|partner)\b",
    re.I,
)


def industry_authors_of(
    affiliations: Iterable[str], coi: str | None
) -> tuple[str, tuple[str, ...]]:
    """yes / no / unknown, and the affiliation or COI sentence that said yes."""
    affiliations = tuple(dict.fromkeys(affiliations))  # co-authors often share one
    for affiliation in affiliations:
        parts = re.split(r";\s*", _EMAIL.sub("", affiliation))  # an address names no employer
        if any(organisation_kind(part) == "industry" for part in parts):
            return "yes", (affiliation,)
    for sentence in _sentences(coi):
        if _company_employment(sentence):
            return "yes", (sentence,)
    return ("no" if affiliations or coi else "unknown"), ()


_EMAIL = re.compile(r"(?:Electronic address:\s*)?\S+@\S+")


def _company_employment(sentence: str) -> bool:
    """A COI sentence saying an author works for a company. An employer a COI statement names
    is a company unless it is plainly public or non-profit: that is why it is disclosed."""
    m = _EMPLOYED.search(sentence)
    if m is None or _NOT_EMPLOYED.search(sentence):
        return False
    employer = re.split(r"[,;(]| and | with | which | who ", sentence[m.end() :], maxsplit=1)[0]
    return organisation_kind(employer) != "public"
