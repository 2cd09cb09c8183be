"""Sample size: total human participants randomised, else enrolled, else analysed."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from core.article import Article
from labels.rules.numbers import (
    ANY_DIGIT,
    BARE_AFTER,
    COMMON_CONTEXT,
    COUNT_CONTEXT,
    N_EQUALS,
    NOUN_AFTER,
    NUM,
    NUMBER_WORD_ALONE,
    PEOPLE,
    PERCENT_NEXT,
    WEAK_NOUN,
    find_numbers,
    number_value,
    words,
)
from labels.text import article_text, sentences

NULL_SAMPLE_DESIGNS = frozenset({"preclinical", "review", "meta_analysis"})


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
    rf"{NUM}\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*(?:were|was|had|are)\s+"
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


def _counts(sentence: str, number_words: bool = True) -> list[_Count]:
    """Every count of people in one sentence, in text order."""
    low = sentence.lower()
    number_words = number_words and NUMBER_WORD_ALONE.search(low) is not None
    if not number_words and ANY_DIGIT.search(sentence) is None:
        return []
    # No people noun, no "n =", no verb of taking part: nothing to count. The common words are
    # tried first with one regex; the full word set is built only when none of them occurs.
    if COMMON_CONTEXT.search(low) is None and words(sentence).isdisjoint(COUNT_CONTEXT):
        return []
    found: dict[int, _Count] = {}
    for value, start, end in find_numbers(sentence, number_words):
        noun = NOUN_AFTER.match(sentence, end)
        if noun is not None:
            if _excluded(sentence, start, value, bare=False):
                continue
            weak = bool(WEAK_NOUN.fullmatch(noun.group("noun")))
            bracketed = sentence.count("(", 0, start) > sentence.count(")", 0, start)
            kind = "part" if bracketed or PERCENT_NEXT.match(sentence, noun.end()) else "noun"
            found[start] = _Count(value, start, noun.end(), kind, weak)
        elif (
            BARE_AFTER.match(sentence, end)
            and value >= 2
            and not _excluded(sentence, start, value, bare=True)
        ):
            found[start] = _Count(value, start, end, "bare")
    for m in N_EQUALS.finditer(sentence):
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
_YEAR_OF_PEOPLE = re.compile(rf"\d{{4}}\s+{PEOPLE}")
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
    rf"(?P<num>{NUM})(?:\s+[A-Za-z][\w-]*){{0,2}}\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)$"
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
            value = number_value(m.group("num"))
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
    if COMMON_CONTEXT.search(abstract) is None and words(abstract).isdisjoint(COUNT_CONTEXT):
        return 1 if design == "case_report" else None  # no people anywhere: nothing to count
    study = _study_sentences(article)
    number_words = NUMBER_WORD_ALONE.search(abstract) is not None
    candidates: list[_Candidate] = []
    offset = 0
    for index, sentence in enumerate(study):
        if number_words or ANY_DIGIT.search(sentence) is not None:
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
