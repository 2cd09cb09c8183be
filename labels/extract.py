"""Rule-based extraction of drug, routes, sample size and key finding (TAXONOMY.md).

Pure functions over an ``Article``: no I/O, no models. The patterns are written from the
taxonomy's definitions, then checked against real sentences from the seed records
(``tests/test_extract.py`` quotes them).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.article import Article

__all__ = [
    "NULL_SAMPLE_DESIGNS",
    "article_text",
    "extract_drug",
    "extract_key_finding",
    "extract_routes",
    "extract_sample_size",
    "is_animal_study",
    "mentions_ketamine",
    "sentences",
]

# ---------------------------------------------------------------------------------------------
# Text helpers

_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


@functools.lru_cache(maxsize=4096)
def _split_sentences(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENT_SPLIT.split(text) if s and s.strip())


def article_text(article: Article) -> str:
    """Title and abstract as one string (the text every classifier reads)."""
    return f"{article.title or ''}\n{article.abstract or ''}"


def sentences(text: str) -> list[str]:
    """Split an abstract into sentences (good enough for PubMed prose)."""
    return list(_split_sentences(text))


# ---------------------------------------------------------------------------------------------
# Drug: which ketamine the study is about

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


# ---------------------------------------------------------------------------------------------
# Routes of ketamine

_ROUTE_PATTERNS: dict[str, re.Pattern[str]] = {
    "iv": re.compile(
        r"\bintravenous(?:ly)?\b|\bi\.\s?v\.|(?<!phase )(?<!grade )(?<!stage )(?<!class )(?<!type )"
        r"(?<!asa )\biv\b(?!\s*(?:grade|stage|class|phase|type))|"
        r"\bivpca\b|\binfusions?\b|\binfused\b|\bdrip\b|\btiva\b",
        re.I,
    ),
    "intranasal": re.compile(r"\bintra-?nasal(?:ly)?\b|\bnasal(?:ly)?\b|\bspravato\b", re.I),
    "oral": re.compile(
        r"\boral(?:ly)?\b(?!\s+(?:health|cavity|mucosa|surgery|antidepressant))|"
        r"\bper os\b|\bp\.o\.|\btablets?\b|\bcapsules?\b",
        re.I,
    ),
    "intramuscular": re.compile(
        r"\bintra-?muscular(?:ly)?\b|\bi\.\s?m\.|\bim\b(?= (?:ketamine|injection))", re.I
    ),
    "sublingual": re.compile(
        r"\bsub-?lingual(?:ly)?\b|\bbuccal\b|\blozenges?\b|\btroches?\b", re.I
    ),
    "subcutaneous": re.compile(r"\bsub-?cutaneous(?:ly)?\b|\bs\.c\.(?=\s)", re.I),
}
_OTHER_ROUTE = re.compile(
    r"\b(?:epidural(?:ly)?|intrathecal(?:ly)?|caudal(?:ly)?|intra-?peritoneal(?:ly)?|i\.p\.|"
    r"topical(?:ly)?|rectal(?:ly)?|intra-?articular|intra-?cerebro-?ventricular|icv|"
    r"intra-?dermal|transdermal|perineural|wound infiltration|intra-?cranial)\b",
    re.I,
)
# Drugs that a route word may name instead of ketamine ("intravenous morphine").
_OTHER_DRUG = re.compile(
    r"\b(?:morphine|fentanyl|alfentanil|remifentanil|sufentanil|opioids?|bupivacaine|ropivacaine|"
    r"lidocaine|lignocaine|midazolam|propofol|dexmedetomidine|clonidine|magnesium|"
    r"antidepressants?|ssris?|placebo|saline|paracetamol|acetaminophen|ketorolac|tramadol|"
    r"methadone|naloxone|diazepam|lorazepam|haloperidol|ondansetron|atropine|thiopent\w*|"
    r"etomidate|nitrous|sevoflurane|isoflurane|gabapentin|pregabalin|amitriptyline|"
    r"lithium|esmolol|neostigmine|meperidine|pethidine|clozapine|riluzole|memantine|"
    r"dextromethorphan|nmda antagonists?|iron|fluids?|contrast)\b",
    re.I,
)
_KET_OR_ABBR = re.compile(r"ketamin|ketalar|spravato|ketanest|\bk/m\b|\bket\b|\bkm\b", re.I)


def _route_attached_to_other(sentence: str, match: re.Match[str]) -> bool:
    """Whether the route word in ``sentence`` names another drug rather than ketamine."""
    after = sentence[match.end() : match.end() + 40]
    before = sentence[max(0, match.start() - 40) : match.start()]
    nxt = re.match(r"\W*(?:\w+\W+){0,2}?(\w[\w/-]*)", after)
    if _KET_OR_ABBR.search(after[:30]) or _KET_OR_ABBR.search(before[-25:]):
        return False
    return bool(nxt and _OTHER_DRUG.fullmatch(nxt.group(1))) or bool(
        _OTHER_DRUG.search(after[:25]) and not _KET_OR_ABBR.search(sentence)
    )


def _route_sentences(article: Article) -> Iterator[tuple[str, bool]]:
    """Yield (sentence, names ketamine) for title and abstract."""
    if article.title:
        yield article.title, bool(_KET_OR_ABBR.search(article.title))
    for s in sentences(article.abstract or ""):
        yield s, bool(_KET_OR_ABBR.search(s))


def extract_routes(article: Article, drug: str | None = None) -> tuple[str, ...]:
    """Return the routes by which ketamine was given in the study, as stated (TAXONOMY order)."""
    text = article_text(article)
    if drug is None:
        drug = extract_drug(article)[0] if mentions_ketamine(text) else "not_studied"
    if drug == "not_studied":
        return ()
    found: set[str] = set()
    if drug in ("esketamine", "several") and re.search(r"nasal spray|intranasal", text, re.I):
        found.add("intranasal")
    for sentence, names_ketamine in _route_sentences(article):
        generic = re.search(
            r"\b(?:study drugs?|the drugs?|drugs were|both drugs|all drugs|"
            r"infusions? of|the infusions?)\b",
            sentence,
            re.I,
        )
        if not names_ketamine and not generic:
            continue
        for route, pattern in _ROUTE_PATTERNS.items():
            for m in pattern.finditer(sentence):
                if route == "iv" and m.group(0).lower().startswith(("infus", "drip")):
                    # "subcutaneous/epidural infusion": the route word before wins.
                    before = sentence[max(0, m.start() - 30) : m.start()]
                    if _OTHER_ROUTE.search(before) or re.search(r"sub-?cutaneous", before, re.I):
                        continue
                if route == "intranasal" and not re.search(
                    r"nasal spray|intra-?nasal|nasally|spravato|nasal (?:ketamine|esketamine|"
                    r"administration|route|delivery)",
                    sentence,
                    re.I,
                ):
                    continue
                if _route_attached_to_other(sentence, m):
                    continue
                found.add(route)
                break
    order = ("iv", "intranasal", "oral", "intramuscular", "sublingual", "subcutaneous")
    return tuple(r for r in order if r in found)


# ---------------------------------------------------------------------------------------------
# Sample size

NULL_SAMPLE_DESIGNS = frozenset({"preclinical", "review", "meta_analysis"})

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_BELOW100 = rf"(?:(?:{_TENS})(?:[- ](?:{_UNITS}))?|{_TEENS}|{_UNITS})"
_BELOW1000 = rf"(?:(?:{_BELOW100}|a)\s+hundred(?:\s+(?:and\s+)?{_BELOW100})?|{_BELOW100})"
_WORDNUM = rf"(?:{_BELOW1000}\s+thousand(?:\s+(?:and\s+)?{_BELOW1000})?|{_BELOW1000})"
_WORD_VALUES = (
    {w: i + 1 for i, w in enumerate(_UNITS.split("|"))}
    | {w: i + 10 for i, w in enumerate(_TEENS.split("|"))}
    | {w: (i + 2) * 10 for i, w in enumerate(_TENS.split("|"))}
    | {"a": 1}
)
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u2009\u202f]\d{3})+(?!\d)|\d+"
_NUM = (
    rf"(?<![\w.,/±≥≤<>=+-])(?:{_DIGITS}|(?i:{_WORDNUM}))"
    r"(?![\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln))"
)
_PEOPLE = (
    r"(?i:patients?|participants?|subjects?|individuals?|persons?|people|adults?|children|child|"
    r"adolescents?|youths?|teens?|teenagers?|students?|women|woman|men|man|males?|females?|"
    r"mothers?|fathers?|parents?|infants?|neonates?|newborns?|girls?|boys?|veterans?|soldiers?|"
    r"volunteers?|respondents?|nurses?|physicians?|doctors?|clinicians?|residents?|workers?|"
    r"employees?|survivors?|caregivers?|carers?|smokers?|users?|cases?|controls?|outpatients?|"
    r"inpatients?|couples?|dyads?|families|informants?|teachers?|athletes?|elderly|twins?|"
    r"pairs?|hcws|plwh|recipients?|donors?|members?|personnel|staff|practitioners?|pharmacists?|"
    r"dentists?|surgeons?|psychiatrists?|psychologists?|therapists?|midwives|officers?|"
    r"professionals?|providers?|experts?|stakeholders?|researchers?|firefighters?|refugees?|"
    r"migrants?|immigrants?|prisoners?|inmates?|pupils?|trainees?|interns?|postgraduates?|"
    r"undergraduates?|graduates?|victims?|decedents?|deaths?|suicides?|homicides?|completers?|"
    r"responders?|non-responders?|gamblers?|drinkers?|questionnaires|responses|"
    r"hcs?|[A-Z][A-Za-z]*-?speaking\s+\w+)"
)
_WEAK_NOUN = re.compile(r"questionnaires|responses|deaths?|suicides?|homicides?", re.I)
_STOP_MODIFIER = (
    r"of|in|on|at|to|for|from|by|with|within|after|before|during|than|and|or|per|the|a|an|all|"
    r"these|those|that|which|who|were|was|are|is|had|have|has|been|mg|kg|ml|g|h|hr|hrs|min|mins|"
    r"s|sec|mm|cm|years?|yrs?|months?|weeks?|days?|hours?|minutes?|times|doses?|studies|trials|"
    r"articles|records|reports|rats?|mice|items|sessions|visits|points|sites|centres|centers|"
    r"hospitals|countries|groups?|arms?"
)
_MODIFIER = (
    rf"(?:(?:(?!(?:{_STOP_MODIFIER})\b)[A-Za-z][\w'’/]*(?:-\w+)*|sex[- ]and[- ]age[- ]matched|"
    r"ASA\s+(?:physical\s+status\s+)?[I1-4V]+(?:\s*(?:and|or|-|,|/)\s*[I1-4V]+)*)\s+)"
)
# Numbers are found by a cheap digit scan (and a word scan only where number words occur);
# the people noun and the verb after a number are then matched at that one position.
_NOUN_AFTER = re.compile(
    rf"\s+(?P<mods>{_MODIFIER}{{0,5}})(?P<noun>{_PEOPLE})\b(?!-(?:years?|months?|days?))"
)
_DIGIT_RUN = re.compile(
    rf"(?<![\w.,/±≥≤<>=+-])(?:{_DIGITS})(?![\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln))"
)
_WORD_RUN = re.compile(rf"(?i:{_WORDNUM})")
_NUMBER_WORDS = frozenset((*_UNITS.split("|"), *_TEENS.split("|"), *_TENS.split("|")))
# A whole ASCII-letter word that is a number word (ASCII case-folding only, like str.lower on
# [A-Za-z]); found by one scan instead of looking at every word of the sentence.
_NUMBER_WORD = re.compile(
    rf"(?<![A-Za-z])(?:{_UNITS}|{_TEENS}|{_TENS})(?![A-Za-z])", re.IGNORECASE | re.ASCII
)
_NOT_DIGIT = re.compile(r"\D")
_SEPARATORS = str.maketrans({c: " " for c in "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~±≥≤–—"})
_ANY_DIGIT = re.compile(r"\d")
_NON_LETTERS = re.compile(r"[^a-z]+")
_NOT_BEFORE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,/±≥≤<>=+-"
)
_NOT_AFTER = re.compile(r"[\w%]|[.,]\d|\s*(?:%|percent|per\b|million|billion|mln)")


def _plain_words(pattern: str) -> frozenset[str]:
    """The literal words of an alternation like ``patients?|women|hcs?`` (with optional "s")."""
    words: set[str] = set()
    for alt in re.findall(r"[a-z][a-z-]*s?\??", pattern.lower()):
        stem = alt.rstrip("?")
        words.add(stem)
        if alt.endswith("?"):
            words.add(stem[:-1])
        words.update(stem.split("-"))
    return frozenset(w for w in words if w.isalpha() and len(w) > 2)


_BARE_VERBS = (
    "who were was had have responded completed participated agreed entered met "
    "fulfilled underwent took consented"
)
_COUNT_CONTEXT = _plain_words(_PEOPLE) | frozenset(_BARE_VERBS.split()) | {"n", "ntotal"}
# A whole word in the sense of ``_words``: bounded by whitespace, a separator or the text's end.
_SEPARATOR_CHARS = re.escape("".join(chr(c) for c in _SEPARATORS))
_ALONE = (rf"(?<![^\s{_SEPARATOR_CHARS}])", rf"(?![^\s{_SEPARATOR_CHARS}])")
_NUMBER_WORD_ALONE = re.compile(rf"{_ALONE[0]}(?:{'|'.join(sorted(_NUMBER_WORDS))}){_ALONE[1]}")
_COMMON_CONTEXT = re.compile(
    rf"{_ALONE[0]}(?:were|was|had|have|patients?|participants?|subjects?|n){_ALONE[1]}"
)
_PERCENT_NEXT = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s*%")
_BARE_AFTER = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?=(?:who|were|was|had|have|responded|"
    r"completed|participated|agreed|entered|met|fulfilled|underwent|took part|consented)\b)",
)
_N_EQUALS = re.compile(
    r"(?<![\w])(?P<n>[nN])\s?(?:total|tot)?\s*[=:]\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?![\d.])"
)
_RANDOMISED = re.compile(
    r"randomi[sz]|randomly (?:assigned|allocated|divided|selected into)|"
    r"allocated (?:at random|randomly)",
    re.I,
)
_ENROLLED = re.compile(
    r"\b(?:enrol+ed|enrol+ment|recruited|included|inclusion|participated|took part|consented|"
    r"entered|were studied|were investigated|were evaluated|were enrolled|comprised|"
    r"consisted of|sample of|were interviewed|we interviewed|surveyed|responded|"
    r"were assessed|were examined|we studied|completed|participants?|(?:study|we) (?:analy[sz]ed|"
    r"examined|studied|followed))\b",
    re.I,
)
_SCREENED = re.compile(
    r"\b(?:screened|identified|eligible|approached|invited|contacted|"
    r"assessed for eligibility)\b",
    re.I,
)
_ANALYSED = re.compile(r"\banaly[sz]ed\b|\banalysis\b|\bevaluable\b", re.I)
_TIME_POINTS = re.compile(
    r"\bbaseline\b|follow-?up|\bT[0-9]\b|\bwaves?\b|time points?|"
    r"\bintervals?\b",
    re.I,
)
_NOT_PEOPLE_N = re.compile(
    r"\b(?:studies|trials|articles|papers|rcts|reviews|records|reports|rats?|mice|animals|"
    r"eyes|samples|specimens|cells|genes|items|hospitals|sites|centres|centers|countries|"
    r"admitted|admissions|visits|encounters|discharges|episodes|prescriptions|claims|events|"
    r"experiments?|trials?)\b",
    re.I,
)
_TOTAL_N = re.compile(r"\b(?:sample|total|cohort|analysis|study|population|overall)\W*$", re.I)
_JOIN = re.compile(
    r"(?:\band\b|\bor\b|,|\bvs\.?|\bversus|\bwith|\bcompared (?:with|to)|\bplus|"
    r"\bto)\s*$",
    re.I,
)
_JOIN_ANYWHERE = re.compile(r"\b(?:and|or|vs\.?|versus|than|compared (?:with|to))\b|[,;]", re.I)
_SUBCOUNT = re.compile(
    rf"{_NUM}\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*(?:were|was|had|are)\s+"
    r"(?!included|randomi|enrolled|recruited)"
)
_SPLIT_TOTAL = re.compile(
    r"\b(?:including|comprising|of whom|of which|among whom|among them|"
    r"consisting of|total|overall)\b",
    re.I,
)
_BACKGROUND_LABEL = re.compile(
    r"background|introduction|context|rationale|importance|"
    r"objective|aim|purpose",
    re.I,
)
_STUDY_LABEL = re.compile(r"method|design|setting|participant|patient|subject|result", re.I)
_MULTI_STUDY = re.compile(
    r"\b(?:study|experiment|sample|cohort)\s+(?:[1-9IV]+|one|two|three)\b", re.I
)
_SINGLE_PERSON = re.compile(
    r"\ba\s+\d{1,3}[- ](?:year|month|week|day)s?[- ]old\b|\b(?:we|this report) (?:describe|present|"
    r"report)s? (?:a|the case of a|one)\b",
    re.I,
)
_NUM_RE = re.compile(_NUM)


def _value(token: str) -> int | None:
    """Parse digits ("1,344", "43 465") or words ("Twenty-four", "six thousand two hundred ten")."""
    token = token.strip().lower()
    if token[0].isdigit():
        return int(re.sub(r"[,\s\u2009\u202f]", "", token))
    thousands, _, rest = token.partition("thousand")
    if _:
        high = _below_1000(thousands.strip()) or 1
        low = _below_1000(re.sub(r"^\s*and\s+", "", rest).strip()) if rest.strip() else 0
        return None if low is None else high * 1000 + low
    return _below_1000(token)


def _below_1000(token: str) -> int | None:
    hundreds, _, rest = token.partition("hundred")
    if not _:
        return _below_100(token)
    high = _below_100(hundreds.strip()) or 1
    rest = re.sub(r"^\s*and\s+", "", rest).strip()
    low = _below_100(rest) if rest else 0
    return None if low is None else high * 100 + low


def _below_100(token: str) -> int | None:
    values = [_WORD_VALUES.get(p) for p in re.split(r"[- ]+", token.strip()) if p]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


@dataclass(frozen=True)
class _Count:
    value: int
    start: int
    end: int
    kind: str  # "noun", "bare", "N" (N = x, a total), "n" (n = x, usually a group)
    weak: bool = False


@dataclass(frozen=True)
class _Candidate:
    value: int
    role: float  # 3 randomised, 2 enrolled, 1.5 stated, 1.2 screened, 1 analysed, 0.5 a part
    position: int
    sentence: int
    control: bool = False


_SECTION_LABEL = re.compile(r"^([A-Z][A-Za-z ,&/]{2,40}):\s")


def _study_sentences(article: Article) -> list[str]:
    """Sentences that can state the study's own sample: background sections are skipped."""
    sections = article.abstract_sections
    if len(sections) > 1 and any(
        (s.category or "").upper() in ("METHODS", "RESULTS") for s in sections
    ):
        kept = [
            s.text
            for s in sections
            if (s.category or "").upper() not in ("BACKGROUND", "OBJECTIVE")
            or _STUDY_LABEL.search(s.label or "")
        ]
        return [x for text in kept for x in sentences(text)]
    out = []
    for s in sentences(article.abstract or ""):
        label = _SECTION_LABEL.match(s)
        if (
            label
            and _BACKGROUND_LABEL.search(label.group(1))
            and not _STUDY_LABEL.search(label.group(1))
        ):
            continue
        out.append(s)
    return out


def _numbers(sentence: str, number_words: bool) -> Iterator[tuple[int, int, int]]:
    """(value, start, end) of each standalone number, in digits or in words."""
    for m in _DIGIT_RUN.finditer(sentence):
        yield int(_NOT_DIGIT.sub("", m.group(0))), m.start(), m.end()
    if not number_words:
        return
    last = -1
    for word in _NUMBER_WORD.finditer(sentence):
        if word.start() < last:
            continue
        run = _WORD_RUN.match(sentence, word.start())
        if run is None or (run.end() < len(sentence) and sentence[run.end()].isalpha()):
            continue
        last, start, end = run.end(), run.start(), run.end()
        if (start and sentence[start - 1] in _NOT_BEFORE) or _NOT_AFTER.match(sentence, end):
            continue
        value = _value(run.group(0))
        if value is not None:
            yield value, start, end


def _words(text: str) -> set[str]:
    """The lower-case words of a text (punctuation and digits as separators)."""
    return set(text.lower().translate(_SEPARATORS).split())


def _counts(sentence: str, number_words: bool = True) -> list[_Count]:
    """Every count of people in one sentence, in text order."""
    low = sentence.lower()
    number_words = number_words and _NUMBER_WORD_ALONE.search(low) is not None
    if not number_words and _ANY_DIGIT.search(sentence) is None:
        return []
    # No people noun, no "n =", no verb of taking part: nothing to count. The common words are
    # tried first with one regex; the full word set is built only when none of them occurs.
    if _COMMON_CONTEXT.search(low) is None and _words(sentence).isdisjoint(_COUNT_CONTEXT):
        return []
    found: dict[int, _Count] = {}
    for value, start, end in _numbers(sentence, number_words):
        noun = _NOUN_AFTER.match(sentence, end)
        if noun is not None:
            if _excluded(sentence, start, value, bare=False):
                continue
            weak = bool(_WEAK_NOUN.fullmatch(noun.group("noun")))
            bracketed = sentence.count("(", 0, start) > sentence.count(")", 0, start)
            kind = "part" if bracketed or _PERCENT_NEXT.match(sentence, noun.end()) else "noun"
            found[start] = _Count(value, start, noun.end(), kind, weak)
        elif (
            _BARE_AFTER.match(sentence, end)
            and value >= 2
            and not _excluded(sentence, start, value, bare=True)
        ):
            found[start] = _Count(value, start, end, "bare")
    for m in _N_EQUALS.finditer(sentence):
        before = sentence[max(0, m.start() - 40) : m.start()]
        if _NOT_PEOPLE_N.search(before):
            continue
        value = int(m.group("num").replace(",", ""))
        if any(abs(c.start - m.start()) < 60 and c.value == value for c in found.values()):
            continue
        total = m.group("n") == "N" or bool(_TOTAL_N.search(before))
        if _PERCENT_BEFORE.search(before):
            total = False
        found[m.start()] = _Count(value, m.start(), m.end(), "N" if total else "n")
    counts = sorted(found.values(), key=lambda c: c.start)
    return _with_listed_numbers(sentence, counts)


_PERCENT_BEFORE = re.compile(r"%\s*\(?\s*$")
_NOT_COUNT_PREFIX = re.compile(
    r"\b(?:aged?|age of|per|mean|median|days?|weeks?|months?|years?|phase|grades?|type|"
    r"class|stage|version|asa|score|level|time|wave|study|experiment|visit|"
    r"session|cycle|figure|table|model|step|part|patient|case|subject|t|n|p)\s*$|"
    r"\d\s*(?:to|-|–)\s*$|(?:\b[nN]\s*:|=)\s*$"
)
_YEAR = re.compile(r"(?:19|20)\d\d\b")
_YEAR_OF_PEOPLE = re.compile(rf"\d{{4}}\s+{_PEOPLE}")
_DENOMINATOR = re.compile(r"\d[^.;]{0,12}\bof\s*$")


def _excluded(sentence: str, start: int, value: int, bare: bool) -> bool:
    """Numbers that are ages, classes, doses, years or percentages rather than people."""
    if _NOT_COUNT_PREFIX.search(sentence[max(0, start - 14) : start].lower()):
        return True
    year_like = _YEAR.match(sentence, start) and 1900 <= value <= 2035
    if year_like and (bare or not _YEAR_OF_PEOPLE.match(sentence, start)):
        return True
    # "19 (95%) of 20 patients": the second number is a denominator, not a sample.
    return bool(_DENOMINATOR.search(sentence[max(0, start - 20) : start]))


_LISTED = re.compile(
    rf"(?P<num>{_NUM})(?:\s+[A-Za-z][\w-]*){{0,2}}\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)$"
)
_LIST_ENDS = (",", "and", "or")


def _with_listed_numbers(sentence: str, counts: list[_Count]) -> list[_Count]:
    """Numbers listed before a counted noun share it: "510 Israeli and 505 Italian participants"."""
    extra: list[_Count] = []
    for c in counts:
        if c.kind != "noun":
            continue
        start = max(0, c.start - 120)
        head = sentence[start : c.start]
        # The pattern ends in "," / "and" / "or": test that cheaply before a 120-char scan.
        while head.rstrip().endswith(_LIST_ENDS) and (m := _LISTED.search(head)) is not None:
            value = _value(m.group("num"))
            offset = start + m.start()
            if value is None or _excluded(sentence, offset, value, bare=True):
                break
            if all(x.start != offset for x in counts):
                extra.append(_Count(value, offset, offset + len(m.group("num")), "noun", c.weak))
            head = head[: m.start()]
    return sorted([*counts, *extra], key=lambda c: c.start)


_TOTAL_BEFORE = re.compile(r"(?:total of|in total|overall|altogether)\s*$", re.I)
_CONTROL = re.compile(r"\bcontrols?\b|control group|comparison group", re.I)
_POOL_LEAD = re.compile(r"^(?:[A-Z][A-Za-z ]+:\s*)?(?:Of|From|Among)\s+(?:the\s+)?$")
_OF_BEFORE = re.compile(r"\bof\s+(?:the\s+)?$", re.I)


def _role(sentence: str, start: int, end: int) -> float:
    """How the count in ``sentence[start:end]`` was reached: randomised, enrolled, analysed."""
    before = sentence[max(0, start - 60) : start].rsplit(";", 1)[-1]
    after = sentence[end : end + 220].split(";", 1)[0]
    window = before + " " + sentence[start:end] + " " + after
    bonus = 0.2 if _TOTAL_BEFORE.search(before) else 0
    if _RANDOMISED.search(window):
        return 3.0 + bonus
    if _ENROLLED.search(window):
        return 2.0 + bonus
    if _SCREENED.search(after[:80]):
        return 1.2 + bonus
    if _ANALYSED.search(window):
        return 1.0 + bonus
    return 1.5 + bonus


def _groups(sentence: str, counts: list[_Count]) -> list[list[_Count]]:
    """Split counts into lists that name separate groups ("54 patients ... and 61 controls")."""
    groups: list[list[_Count]] = [[counts[0]]]
    for prev, cur in itertools.pairwise(counts):
        between = sentence[prev.end : cur.start]
        inside_brackets = between.lstrip().startswith("(") and ")" not in between
        connector = _JOIN.search(between) if cur.kind == "noun" else _JOIN_ANYWHERE.search(between)
        joined = (
            len(between) < 200
            and connector
            and not _SPLIT_TOTAL.search(between)
            and not inside_brackets
            and prev.kind == cur.kind != "bare"
        )
        if joined:
            groups[-1].append(cur)
        else:
            groups.append([cur])
    return groups


def _sentence_candidates(
    sentence: str, offset: int, index: int, number_words: bool = True
) -> list[_Candidate]:
    """Counts of people stated in one sentence, listed groups summed."""
    counts = _counts(sentence, number_words)
    if not counts:
        return []
    whole = [c for c in counts if c.kind not in ("n", "part")]
    parts = [c for c in counts if c.kind == "n"]
    control = bool(_CONTROL.search(sentence))
    out: list[_Candidate] = []
    # "Of 367 patients identified, 113 responded": the lead count is the pool, not the sample.
    if len(counts) > 1 and _POOL_LEAD.match(sentence[: counts[0].start]):
        lead = counts[0]
        out.append(_Candidate(lead.value, 1.2, offset + lead.start, index, control))
        whole = [c for c in whole if c is not lead]
        parts = [c for c in parts if c is not lead]
        if not whole and not parts:
            return out
    if whole:
        for group in _groups(sentence, whole):
            if len(group) > 1 and not _TIME_POINTS.search(sentence):
                value = sum(c.value for c in group)
            else:
                value = group[0].value
            role = _role(sentence, group[0].start, group[-1].end)
            if group[0].kind == "bare" and _SUBCOUNT.match(sentence, group[0].start):
                role = 0.5
            if group[0].kind == "bare" and _OF_BEFORE.search(sentence[: group[0].start]):
                role = 1.2
            if all(c.weak for c in group):
                role -= 0.3
            out.append(_Candidate(value, role, offset + group[0].start, index, control))
    elif not parts:
        c = next(c for c in counts if c.kind == "part")
        out.append(_Candidate(c.value, 0.5, offset + c.start, index))
    elif len(parts) > 1 and not _TIME_POINTS.search(sentence):
        role = _role(sentence, parts[0].start, parts[-1].end)
        out.append(_Candidate(sum(c.value for c in parts), role, offset + parts[0].start, index))
    else:
        out.append(_Candidate(parts[0].value, 0.5, offset + parts[0].start, index))
    return out


def _best(candidates: list[_Candidate], study_sentences: list[str]) -> int:
    """The sample: the best-ranked count, plus separately stated studies or control groups."""
    best = max(candidates, key=lambda c: (c.role, -c.position))
    spread = len({c.sentence for c in candidates}) > 1
    multi = [i for i, s in enumerate(study_sentences) if spread and _MULTI_STUDY.search(s)]
    if len(multi) > 1:
        per_study = [
            max((c for c in candidates if c.sentence == i), key=lambda c: c.role, default=None)
            for i in multi
        ]
        values = [c.value for c in per_study if c is not None]
        if len(values) > 1 and best.sentence in multi:
            return sum(values)
    extra = [
        c
        for c in candidates
        if c.control
        and c.sentence != best.sentence
        and c.role >= 1.5
        and c.position > best.position
        and c.sentence == best.sentence + 1
        and not best.control
    ]
    return best.value + (extra[0].value if extra else 0)


def extract_sample_size(article: Article, design: str | None = None) -> int | None:
    """Return total human participants randomised, else enrolled, else analysed (TAXONOMY)."""
    if design in NULL_SAMPLE_DESIGNS or _is_protocol(article):
        return None
    if design is None and is_animal_study(article):
        return None
    abstract = (article.abstract or "").lower()
    if _COMMON_CONTEXT.search(abstract) is None and _words(abstract).isdisjoint(_COUNT_CONTEXT):
        return 1 if design == "case_report" else None  # no people anywhere: nothing to count
    study = _study_sentences(article)
    number_words = _NUMBER_WORD_ALONE.search(abstract) is not None
    candidates: list[_Candidate] = []
    offset = 0
    for index, sentence in enumerate(study):
        if number_words or _ANY_DIGIT.search(sentence) is not None:
            candidates.extend(_sentence_candidates(sentence, offset, index, number_words))
        offset += len(sentence) + 1
    if not candidates:
        single = design == "case_report" or _SINGLE_PERSON.search(article_text(article))
        return 1 if single else None
    value = _best(candidates, study)
    if design == "case_report" and value > 30:
        return 1
    return value


_PROTOCOL = re.compile(r"\bprotocol\b|\brationale and design\b", re.I)


def _is_protocol(article: Article) -> bool:
    return bool(_PROTOCOL.search(article.title or ""))


_ANIMALS = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|pigs?|porcine|piglets?|swine|"
    r"sheep|ovine|monkeys?|macaques?|primates?|zebrafish|drosophila|cats?|feline|horses?|equine|"
    r"cattle|calves|buffalo(?:es)?|chicks?|hamsters?|guinea pigs?|ferrets?|in vitro|cultured|"
    r"cell lines?|wistar|sprague|c57bl)\b",
    re.I,
)
_HUMANS = re.compile(
    r"\b(?:patients?|participants?|volunteers?|subjects? (?:with|who)|women|men|children|adults?|"
    r"humans?|individuals?|people|clinical)\b",
    re.I,
)


def is_animal_study(article: Article) -> bool:
    """Whether the record reads as an animal or in-vitro study rather than a human one."""
    text = article_text(article)
    animals = len(_ANIMALS.findall(text))
    if animals == 0:
        return False
    humans = len(_HUMANS.findall(text))
    return animals >= 2 and animals > humans


# ---------------------------------------------------------------------------------------------
# Key finding

_CONCLUSION_LABEL = re.compile(
    r"conclu|interpretation|implication|summary|take[- ]home|"
    r"significance|discussion",
    re.I,
)
_CONCLUSION_IN_TEXT = re.compile(
    r"(?:^|\n|;\s|\.\s)(?:CONCLUSIONS?|Conclusions?|INTERPRETATION|Interpretation|"
    r"CONCLUSION AND RELEVANCE)\s*[:.]\s*(?P<text>.+)$",
    re.S,
)
_CUES = re.compile(
    r"\b(?:in conclusion|we conclude|to conclude|conclusions?|these (?:findings|results|data)|"
    r"our (?:findings|results|data)|this study (?:shows|demonstrates|suggests|indicates|provides)|"
    r"suggests?|suggested|indicates?|demonstrates?|support(?:s|ed)?|highlights?|taken together|"
    r"overall|may be|might be|could be|appears? to|effective|warranted|recommend)\b",
    re.I,
)


def extract_key_finding(article: Article) -> str | None:
    """Return the conclusion: the labelled CONCLUSIONS section, else the best-scored sentence."""
    for section in article.abstract_sections:
        if (section.category or "").upper() == "CONCLUSIONS" or (
            section.label and _CONCLUSION_LABEL.search(section.label)
        ):
            return section.text.strip() or None
    abstract = article.abstract or ""
    if not abstract.strip():
        return None
    if any(
        word in abstract for word in ("ONCLUSION", "onclusion", "NTERPRETATION", "nterpretation")
    ):
        labelled = _CONCLUSION_IN_TEXT.search(abstract)
        if labelled:
            return labelled.group("text").strip().split("\n")[0].strip() or None
    sents = sentences(abstract)
    if not sents:
        return None
    best, best_score = sents[-1], -1.0
    start = max(0, len(sents) - 4)  # conclusions close an abstract
    for i, s in enumerate(sents[start:], start):
        position = (i + 1) / len(sents)
        score = 2.0 * position + 1.5 * len(_CUES.findall(s))
        if re.match(
            r"(?:in conclusion|we conclude|to conclude|in summary|overall|taken together|"
            r"these (?:findings|results)|our (?:findings|results))",
            s,
            re.I,
        ):
            score += 3.0
        if re.search(r"\bp\s?[<=>]|\d+(?:\.\d+)?\s?%|95%|\bci\b", s, re.I):
            score -= 1.5
        if score > best_score:
            best, best_score = s, score
    return best
