"""Drug: which ketamine the study is about (labelling guide, ``drug``)."""

from __future__ import annotations

import re

from core.article import Article
from labels.text import article_text, sentences

_KET_ANY = re.compile(r"ketamin|ketalar|spravato|ketanest", re.I)
_ESK = re.compile(
    r"\besketamine|\bspravato|ketanest|\bs\s?\(\+\)[- ]?ketamine|\(s\)[- ]?ketamine|"
    r"\bs[- ]\(?\+?\)?-?ketamine\b|\bs-enantiomer of ketamine",
    re.I,
)
_ARK = re.compile(
    r"\barketamine|\br\s?\(-\)[- ]?ketamine|\(r\)[- ]?ketamine|\br[- ]\(?-?\)?-?ketamine\b|"
    r"\br-enantiomer of ketamine",
    re.I,
)
_KET_WORD = re.compile(r"ketamine", re.I)
_RACEMIC = re.compile(r"racemic ketamine|\(r,\s?s\)-ketamine|\brs-ketamine|\(±\)-ketamine", re.I)
_ANALOGUE = re.compile(
    r"ketamine[- ](?:analogu?e|derivative|metabolite)s?|analogu?es? of ketamine|"
    r"derivatives? of ketamine|metabolites? of ketamine|(?:hydroxy)?norketamine",
    re.I,
)
# Ketamine only as the anaesthetic for a procedure, or the sleeping-time assay (TAXONOMY: drug).
_PROCEDURAL = re.compile(
    r"(?:an(?:a)?esthe[st]i[sz]ed|sedated|immobili[sz]ed|premedicated)\s+(?:\w+\s+){0,3}?"
    r"(?:with|by|using)\b[^.;]{0,60}ketamin|"
    r"under\s+(?:\w+\s+){0,3}ketamin\w*[^.;]{0,30}an(?:a)?esthesi|"
    r"under\s+(?:general\s+)?an(?:a)?esthesi\w*\s*\(?[^.;]{0,40}ketamin|"
    r"ketamin\w*[- /+]*(?:and\s+)?(?:xylazine|medetomidine|dexmedetomidine|acepromazine|"
    r"diazepam|midazolam)\s+an(?:a)?esthesi|"
    r"ketamine[- ]induced\s+(?:sleeping|sleep)\s+time|sleeping[- ]time\s+induced\s+by\s+ketamine|"
    r"an(?:a)?esthesi\w*\s*\((?:[^()]{0,20})?ketamin",
    re.I,
)
_ANIMAL_PROCEDURE = re.compile(
    r"\b(?:rats?|mice|mouse|rabbits?|dogs?|pigs?|sheep|monkeys?|animals?|cats?|piglets?|"
    r"ferrets?|calves|horses?|primates?|guinea pigs?)\b",
    re.I,
)
_PASSING = re.compile(r"\b(?:might|may|could|such as|e\.g\.|including|like)\b", re.I)


_KET_NAMES = ("ketamin", "ketalar", "spravato", "ketanest")


def mentions_ketamine(text: str) -> bool:
    """Return whether the text names any form of ketamine (cheap pre-filter)."""
    low = text.lower()
    return any(name in low for name in _KET_NAMES)


def _mention_sentences(article: Article) -> tuple[bool, list[str]]:
    """Return (named in title, abstract sentences naming ketamine)."""
    in_title = bool(article.title and _KET_ANY.search(article.title))
    abstract = article.abstract or ""
    found = (
        [s for s in sentences(abstract) if _KET_ANY.search(s)] if _KET_ANY.search(abstract) else []
    )
    return in_title, found


def _is_studied(article: Article, in_title: bool, found: list[str]) -> tuple[bool, float]:
    """Decide whether ketamine's own effects are a subject of the study."""
    if in_title:
        if _ANALOGUE.search(article.title or "") and not _KET_WORD.search(
            _ANALOGUE.sub("", article.title or "")
        ):
            return False, 0.7
        return True, 0.97
    substantive = [s for s in found if not _PROCEDURAL.search(s)]
    substantive = [s for s in substantive if _KET_ANY.search(_ANALOGUE.sub("", s))]
    if not substantive:
        return False, 0.9
    if len(substantive) == 1:
        s = substantive[0]
        first = sentences(article.abstract or "")[:1]
        # One listed mention in a speculative or background sentence: "in passing".
        if _PASSING.search(s) and s.count(",") >= 2 and not re.search(r"\bwe\b|\bour\b", s, re.I):
            review_like = bool(re.search(r"\breview|overview", article_text(article), re.I))
            return (review_like, 0.6)
        if first and s == first[0] and _PASSING.search(s):
            return False, 0.6
        return True, 0.75
    return True, 0.9


def _which_ketamine(article: Article) -> str:
    """Pick ketamine / esketamine / arketamine / several from the names used.

    The title names the drug of the study; an enantiomer in the abstract alone counts when it is
    what the abstract mostly speaks of, or when it is set against racemic ketamine as an arm.
    """
    title, text = article.title or "", article_text(article)
    esk, ark = len(_ESK.findall(text)), len(_ARK.findall(text))
    if not esk and not ark:
        return "ketamine"
    plain = len(_KET_WORD.findall(text)) - esk - ark
    title_forms = {f for f, rx in (("esketamine", _ESK), ("arketamine", _ARK)) if rx.search(title)}
    plain_title = bool(_KET_WORD.search(_ARK.sub("", _ESK.sub("", title))))
    comparison = _COMPARED.search(text)
    if len(title_forms) == 2 or (title_forms and plain_title and comparison):
        return "several"
    if len(title_forms) == 1:
        return next(iter(title_forms))
    if (esk >= 2 and ark >= 2) or (comparison and _RACEMIC.search(text)):
        return "several"
    form, count = ("esketamine", esk) if esk >= ark else ("arketamine", ark)
    return form if count > plain and not plain_title else "ketamine"


_COMPARED = re.compile(
    r"(?:versus|vs\.?|compared (?:with|to)|than)\s+(?:racemic\s+|\(?r,?s\)?-?)?ketamine|"
    r"racemic ketamine\s+(?:versus|vs\.?|compared (?:with|to)|or|and)\s+(?:es|ar|\(?[sr]\)?-)",
    re.I,
)


def extract_drug(article: Article) -> tuple[str, float]:
    """Return (drug label, confidence) per TAXONOMY.md's ``drug`` rules."""
    if not mentions_ketamine(article_text(article)):
        return "not_studied", 0.99
    in_title, found = _mention_sentences(article)
    studied, confidence = _is_studied(article, in_title, found)
    if not studied:
        return "not_studied", confidence
    return _which_ketamine(article), confidence
