"""Counts of people in one sentence of an abstract: "54 patients", "n = 26", "113 responded".

Each number is read where it stands: a people noun after it ("61 controls"), a verb of taking
part ("113 responded"), or "n =". Ages, years, doses, classes, rates and denominators are left
out, and numbers listed before a shared noun ("510 Israeli and 505 Italian participants") are
counted with it. Which count is the sample is decided in ``labels.rules.sample_size``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labels.rules.count_roles import ENTRY_VERBS
from labels.rules.numbers import (
    ANY_DIGIT,
    BARE_AFTER,
    N_EQUALS,
    NOUN_AFTER,
    NUM,
    NUMBER_WORD_ALONE,
    PEOPLE,
    PERCENT_NEXT,
    SINGULAR_NOUN,
    WEAK_NOUN,
    find_numbers,
    mentions_people,
    number_value,
)

_NOT_PEOPLE_N = re.compile(
    r"\b(?:studies|trials|articles|papers|rcts|reviews|records|reports|rats?|mice|animals|"
    r"eyes|samples|specimens|cells|genes|items|"
    r"admitted|admissions|visits|encounters|discharges|episodes|prescriptions|claims|events|"
    r"experiments|errors|teeth|joints|injections)\b",
    re.I,
)
PEOPLE_WORD = re.compile(rf"\b{PEOPLE}\b")


def _counts_things(before: str) -> bool:
    """Whether the noun nearest before an "n =" is a thing ("12 trials (n = 1,204)"), not
    people ("clinical trials in a sample of patients (n = 42)": the patients are nearer)."""
    things = [m.end() for m in _NOT_PEOPLE_N.finditer(before)]
    if not things:
        return False
    people = [m.end() for m in PEOPLE_WORD.finditer(before)]
    return not people or things[-1] > people[-1]


_THINGS_AFTER = re.compile(
    r"(?:[\s-]+[a-z][\w]*){0,2}?[\s-]+(?:wards?|units?|visits?|encounters?|interviews?|"
    r"sessions?|admissions?|beds?|rooms?|clinics?|cent(?:er|re)s?|hospitals?|sites?|"
    r"observations?|measurements?)\b",
    re.I,
)


_OF_THINGS = re.compile(rf"\s+of\s+(?!(?:[\w-]+\s+){{0,2}}{PEOPLE}\b)")


def _names_things(sentence: str, noun: re.Match[str]) -> bool:
    """Whether a people noun in the singular qualifies a place or an event after it ("Two
    inpatient rehabilitation wards", "eight individual interviews"), so the number counts
    those. (Patient records, scans and samples stand for the patients: Part 2, rule 12.)"""
    if noun.group("noun").lower() not in SINGULAR_NOUN:
        return False
    return _THINGS_AFTER.match(sentence, noun.end()) is not None


_THINGS = (
    r"(?:cent(?:er|re)s|clusters|practices|schools|hospitals|wards|villages|communities|sites|"
    r"clinics|units|studies|trials|eyes|samples|rats|mice|animals)\b"
)
_THING_WORD = re.compile(_THINGS, re.I)
_THING_COUNT = re.compile(rf"{NUM}\s+(?:[\w-]+\s+){{0,2}}?{_THINGS}[^\d]*$", re.I)


def _after_things(sentence: str, start: int) -> bool:
    """Whether a bare number follows a count of things with nothing counted between ("11
    centers were randomly assigned to usual care, and 11 were assigned to ..."): it counts
    the same things."""
    head = sentence[max(0, start - 160) : start]
    return _THING_WORD.search(head) is not None and _THING_COUNT.search(head) is not None


_NOT_DIGIT = re.compile(r"\D")
# "889 of 1198 survivors were evaluated", "118 of 122 patients consented": the count taken
# from the pool takes part. ("12 out of 14 patients completed the intervention" is a subset of
# the sample; "99 of 150 patients responded" is left alone: whether a survey's sample is those
# asked or those who answered is not settled by the guide.)
_OF_POOL = re.compile(rf"\s+(?:out\s+)?of\s+(?:the\s+|all\s+)?{NUM}(?=\s)")
_TAKES_PART = re.compile(
    rf"\s+(?:(?:were|was)\s+(?:\w+ly\s+)?)?(?:{ENTRY_VERBS}|evaluated|analy[sz]ed|assessed|"
    r"participated|agreed|consented|took part|underwent)\b",
    re.I,
)


# "One hundred sixteen patients with PE were identified, and 77 of them (66%) were included".
_OF_THEM = re.compile(r"\s+of\s+(?:them|these|those)(?:\s*\([^()]{0,20}\))?")


def _taken_from(sentence: str, end: int) -> int | None:
    """Where "of <pool> <people>" or "of them" after a number ends, if a verb of taking part
    follows it (the verb is left after the count, where the other counts' verbs are read)."""
    taken = _OF_THEM.match(sentence, end)
    if taken is None and (pool := _OF_POOL.match(sentence, end)) is not None:
        taken = NOUN_AFTER.match(sentence, pool.end())
    if taken is None or _TAKES_PART.match(sentence, taken.end()) is None:
        return None
    return taken.end()


_TOTAL_N = re.compile(r"\b(?:sample|total|cohort|analysis|study|population|overall)\W*$", re.I)


@dataclass(frozen=True)
class Count:
    """One count of people: its value, where it stands and how it was stated."""

    value: int
    start: int
    end: int
    kind: str  # "noun", "bare", "N" (N = x, a total), "n" (n = x, usually a group), "part"
    weak: bool = False
    sex: bool = False  # the noun is a sex ("12 females"): a breakdown of the sample
    # The count shares the noun or verb of the count beside it: an elided group ("and 57 to
    # placebo") or a bare number listed before another ("Fifty-eight and 25 were randomised").
    shares_frame: bool = False


def sentence_counts(sentence: str, number_words: bool = True) -> list[Count]:
    """Every count of people in one sentence, in text order, without the parts of a total the
    sentence states (``_without_breakdowns``)."""
    low = sentence.lower()
    number_words = number_words and NUMBER_WORD_ALONE.search(low) is not None
    if not number_words and ANY_DIGIT.search(sentence) is None:
        return []
    if not mentions_people(low):
        return []
    found: dict[int, Count] = {}
    numbers = list(find_numbers(sentence, number_words))
    for value, start, end in numbers:
        noun = NOUN_AFTER.match(sentence, end)
        if noun is not None:
            if _excluded(sentence, start, value, bare=False) or _RATE.match(sentence, noun.end()):
                continue
            if value >= 2 and _names_things(sentence, noun):
                continue  # "Two inpatient rehabilitation wards"
            weak = bool(WEAK_NOUN.fullmatch(noun.group("noun")))
            bracketed = sentence.count("(", 0, start) > sentence.count(")", 0, start)
            kind = "part" if bracketed or PERCENT_NEXT.match(sentence, noun.end()) else "noun"
            size = value * _groups_of(sentence, start, noun.end()) * _people_each(sentence, noun)
            sex = _SEX.fullmatch(noun.group("noun")) is not None
            found[start] = Count(size, start, noun.end(), kind, weak, sex)
        elif (
            BARE_AFTER.match(sentence, end)
            and value >= 2
            and not _excluded(sentence, start, value, bare=True)
            and not _after_things(sentence, start)
        ):
            found[start] = Count(value, start, end, "bare")
        elif (
            value >= 2
            and (taken := _taken_from(sentence, end))
            and not _excluded(sentence, start, value, bare=True)
        ):
            found[start] = Count(value, start, taken, "bare")
    stated = list(found.values())
    for m in N_EQUALS.finditer(sentence):
        before = sentence[max(0, m.start() - 40) : m.start()]
        if _counts_things(before):
            continue
        value = int(_NOT_DIGIT.sub("", m.group("num")))
        # "41 patients (n = 41)" states one count twice; "Group I (n = 41) ... Group T (n = 41)"
        # states two groups of one size.
        if any(abs(c.start - m.start()) < 60 and c.value == value for c in stated):
            continue
        total = m.group("n") == "N" or bool(_TOTAL_N.search(before))
        if _PERCENT_BEFORE.search(before):
            total = False
        value *= _groups_of(sentence, m.start(), m.end())
        kind = "N" if total else "n"
        if _PERCENT_AFTER.match(sentence, m.end()):
            kind = "part"  # "insulinoma (n = 18, 24%)": a category of the sample, not a group
        found[m.start()] = Count(value, m.start(), m.end(), kind)
    counts = sorted(found.values(), key=lambda c: c.start)
    counts = _with_elided_nouns(sentence, _with_listed_numbers(sentence, counts))
    return _without_breakdowns(sentence, counts, numbers)


_EQUAL_GROUPS = re.compile(
    r"\b(?P<k>two|three|four|five|six|[2-6])\s+(?:equal\s+|similar\s+|comparable\s+|matched\s+)?"
    r"groups\b",
    re.I,
)
_GROUPS_OF = re.compile(r"\bgroups\s+of\s*(?:\w+\s+)?$", re.I)
# "25 patients in each group", "200 patients per arm": the size of each group.
_PER_GROUP = re.compile(r"\s+(?:in each|per|in every|for each)\s+(?:group|arm)\b", re.I)
# "(n = 25 each)", "22 patients were evaluated in each group".
_EACH = re.compile(rf"\s*each\b|(?:\s+(?:were|was)\s+\w+ed)?{_PER_GROUP.pattern}", re.I)
_GROUP_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _groups_of(sentence: str, start: int, end: int) -> int:
    """How many equal groups a count is the size of, else 1: "two groups of 45 patients",
    "two groups (n = 25 each)", "a study and a control group, with 27 children each"."""
    near = _GROUPS_OF.search(sentence, max(0, start - 20), start)
    if near is None and _EACH.match(sentence, end) is None:
        return 1
    said = [
        m.group("k").lower() for m in _EQUAL_GROUPS.finditer(sentence, max(0, start - 80), start)
    ]
    if not said:
        return 2 if near is None else 1
    k = said[-1]
    return int(k) if k.isdigit() else _GROUP_WORDS[k]


# Part 2, rule 12 counts every person assessed: "82 pairs", "441 patient-caregiver dyads" are
# twice as many people, "4654 parent-offspring trios" three times. ("84 children and their
# parents" is left as stated: how many parents is not.)
_TWO_EACH = re.compile(r"couples?|dyads?|pairs?", re.I)


def _people_each(sentence: str, noun: re.Match[str]) -> int:
    """How many people each counted unit is: 2 for a pair, 3 for a trio, else 1 (also for a
    pair of things, "77 pairs of CT and bone scans", one patient's each)."""
    word = noun.group("noun")
    if word.lower() == "trios":
        return 3
    if not _TWO_EACH.fullmatch(word):
        return 1
    return 1 if _OF_THINGS.match(sentence, noun.end()) else 2


# "100,000 infants each year": a rate in the population, not a sample.
_RATE = re.compile(
    r"\s*(?:(?:each|per|a|every)\s+(?:year|annum|month|week|day)\b|annually\b)", re.I
)
_SEX = re.compile(r"males?|females?|men|women|boys?|girls?", re.I)
_PERCENT_BEFORE = re.compile(r"%\s*\(?\s*$")
_PERCENT_AFTER = re.compile(r"\s*[,;]\s*\d+(?:\.\d+)?\s*%")
NOT_COUNT_PREFIX = re.compile(
    r"\b(?:aged?|age of|per|mean|median|days?|weeks?|months?|years?|phase|grades?|type|"
    r"class|stage|version|asa|score|level|time|wave|study|experiment|visit|"
    r"session|cycle|figure|table|model|step|part|patient|case|subject|group|arm|cohort|having|t|n|p)"
    r"\s*$|"
    r"\d\s*(?:to|-|–)\s*$|(?:\b[nN]\s*:|=)\s*$|\ban?\s+$|"
    r"\b(?:fewer|less) than\s*$"  # "fewer than 10 parents could describe it": a bound
)
# "In a prospective study 218 children were enrolled": the study is named, not numbered ("Study 2").
_A_STUDY = re.compile(r"\b(?:a|an|the|this|our)\s+(?:[\w-]+\s+){0,2}study\s+$")
_YEAR = re.compile(r"(?:19|20)\d\d\b")
_YEAR_OF_PEOPLE = re.compile(rf"\d{{4}}\s+{PEOPLE}")
# "19 (95%) of 20 patients", "14 out of 169": a share's denominator ("2016, a total of 76" is not).
_DENOMINATOR = re.compile(
    r"\d(?:\s*(?:%|percent)|\s*[(\[][^()\[\]]{0,12}[)\]])?\s*(?:out\s+)?of\s*$", re.I
)


def closes_share(sentence: str, start: int) -> bool:
    """Whether the number at ``start`` is a share's base: "19 (95%) of 20", "14 out of 169"."""
    return _DENOMINATOR.search(sentence[max(0, start - 20) : start]) is not None


_PER_CASE = re.compile(r"\b(?:each|every|per)\s+(?:[\w()-]+\s+){1,2}?(?:with|to)\s+$", re.I)


def _excluded(sentence: str, start: int, value: int, bare: bool) -> bool:
    """Numbers that are ages, classes, doses, years or percentages rather than people."""
    if NOT_COUNT_PREFIX.search(sentence[max(0, start - 14) : start].lower()) and not (
        value >= 10 and _A_STUDY.search(sentence, max(0, start - 60), start)
    ):
        return True
    year_like = _YEAR.match(sentence, start) and 1900 <= value <= 2035
    if year_like and (bare or not _YEAR_OF_PEOPLE.match(sentence, start)):
        return True
    if _PER_CASE.search(sentence, max(0, start - 40), start):
        return True  # "we matched each case with three controls": a ratio, not a count
    # "19 (95%) of 20 patients": the second number is a denominator, not a sample.
    return closes_share(sentence, start)


# "25 patients were randomised to X and 24 to Y": the second group's noun and verb are elided.
# "34 patients in the acute group and 96 in the chronic group": the same for a group named by
# where it is.
_ELIDED = re.compile(
    rf"\s+(?:were|was)\s+(?:\w+ly\s+)?\w+ed\b[^.;\d]{{0,80}}?\band\s+(?P<num>{NUM})"
    r"\s+(?:to\b(?!\s+\d)|into\b|with\b|for\b|in\s+the\b)|"
    rf"\s+in\s+the\s+[\w-]+(?:\s+[\w-]+)?\s+(?:group|arm|cohort)\s+and\s+(?P<num2>{NUM})"
    r"\s+in\s+the\b|"
    # "Thirty mothers received thiopentone and 30 received etomidate": the same verb again.
    r"(?:\s+[\w-]+){0,4}?\s+(?P<verb>received|underwent|took|were given)\b[^;]{0,100}?\band\s+"
    rf"(?P<num3>{NUM})\s+(?P=verb)\b|"
    # "20 participants with T1D and 10 without the disease": those without it are a group too.
    rf"\s+with\b[^.;]{{1,60}}?\band\s+(?P<num4>{NUM})\s+without\b|"
    # "107 patients who received IBR and 113 who received mastectomy alone".
    rf"\s+who\b[^.;]{{1,100}}?\band\s+(?P<num5>{NUM})\s+who\b(?!\s+also\b)|"
    # "31 patients with hysterical neurosis were compared with 31 with depressive neurosis".
    rf"[^.;]{{0,80}}?\b(?:were|was)\s+compared\s+(?:with|to)\s+(?P<num6>{NUM})\s+"
    r"(?:with|without|who)\b",
    re.I,
)


_ELIDED_KEYS = ("num", "num2", "num3", "num4", "num5", "num6")


def _with_elided_nouns(sentence: str, counts: list[Count]) -> list[Count]:
    """A number after "and" that repeats the frame of the count before it is a group too."""
    extra: list[Count] = []
    renamed: set[int] = set()
    for c in counts:
        m = _ELIDED.match(sentence, c.end) if c.kind in ("noun", "bare") else None
        key = next((k for k in _ELIDED_KEYS if m and m.group(k)), "num")
        value = number_value(m.group(key)) if m else None
        if not m or not value:
            continue
        start = m.start(key)
        read = next((x for x in counts if x.start == start), None)
        if read is None:
            extra.append(Count(value, start, m.end(key), c.kind, c.weak, shares_frame=True))
        elif read.kind == "bare" and c.kind == "noun" and key == "num5":
            # "113 who received ..." was read on its own: it is a group named like the first.
            renamed.add(start)
            extra.append(Count(value, start, read.end, c.kind, c.weak, shares_frame=True))
    if not extra:
        return counts
    kept = [c for c in counts if c.start not in renamed]
    return sorted([*kept, *extra], key=lambda c: c.start)


_LISTED = re.compile(
    rf"(?P<num>{NUM})(?:\s+[A-Za-z][\w/-]*){{0,2}}(?:\s*\([^()]{{1,40}}\))?"
    r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|versus|vs\.?)\s+)$"
)
# "RESULTS: Fifty-eight and 25 were randomized": numbers alone, joined by "and", at the start of
# a clause.
_BARE_LIST = re.compile(rf"(?<![^\s:;,])(?<![A-Za-z0-9] ){NUM}\s+and\s+", re.I)
_UNIT_AFTER = re.compile(
    r"\s*(?:mg|µg|mcg|g|kg|ml|gy|mm|cm|h|hrs?|min|mins|days?|weeks?|months?|years?|mmhg|iu|"
    r"units?|doses?|times|cycles?|sessions?|fractions?)\b",
    re.I,
)
_LIST_ENDS = (",", "and", "or", "versus", "vs", "vs.")


def _with_listed_numbers(sentence: str, counts: list[Count]) -> list[Count]:
    """Numbers listed before a counted noun share it: "510 Israeli and 505 Italian participants"."""
    extra: list[Count] = []
    for c in counts:
        if c.kind not in ("noun", "bare"):
            continue
        start = max(0, c.start - 120)
        head = sentence[start : c.start]
        # The pattern ends in "," / "and" / "or": test that cheaply before a 120-char scan.
        while head.rstrip().endswith(_LIST_ENDS) and (m := _LISTED.search(head)) is not None:
            value = number_value(m.group("num"))
            offset = start + m.start()
            if c.kind == "bare" and not _BARE_LIST.fullmatch(head, m.start()):
                break  # "Among 12,837 admissions, 98 had": a bare count lists only numbers
            if value is None or _excluded(sentence, offset, value, bare=True):
                break
            if _UNIT_AFTER.match(head, m.end("num")):
                break  # "59 patients were randomised to 24 Gy and 58 patients": a dose
            if all(x.start != offset for x in counts):
                end = offset + len(m.group("num"))
                # "Fifty-eight and 25 were randomized": a bare list shares its verb.
                listed = Count(value, offset, end, c.kind, c.weak, shares_frame=c.kind == "bare")
                extra.append(listed)
            head = head[: m.start()]
    return sorted([*counts, *extra], key=lambda c: c.start)


# "65 in the facultative group", "194 are from ...", "68 (24.3%)": a number standing for a group.
_GROUP_AFTER = re.compile(
    r"\s+(?:in|into|from|with|were|was|are|had|having|received|underwent)\b|"
    r"\s*\(\s*\d+(?:\.\d+)?\s*%"
)


def _without_breakdowns(
    sentence: str, counts: list[Count], numbers: list[tuple[int, int, int]]
) -> list[Count]:
    """Drop the counts that break down a stated total ("200 pupils attended, with 74 pupils in
    the control group, 65 in ... and 61 in ...": the 74 is a part of the 200, not a group
    beside it). A total is a count of at least 20 that the next two or more numbers of the
    sentence's counts or group-like numbers add up to."""
    if len(counts) < 2 or all(c.value < 20 for c in counts):
        return counts  # a total and a part of it are two counts at least
    # "75 patients were randomly divided into three groups with 25 patients in each group": the
    # size of each group, under a total the sentence states.
    each = [c for c in counts if _PER_GROUP.match(sentence, c.end)]
    if each and any(c.value >= each[0].value for c in counts if c.start < each[0].start):
        counts = [c for c in counts if c not in each]
    starts = {c.start for c in counts}
    standing = sorted(
        (
            (v, s)
            for v, s, e in numbers
            if v > 0 and (s in starts or _GROUP_AFTER.match(sentence, e))
        ),
        key=lambda number: number[1],
    )
    for c in counts:
        if c.value < 20:
            continue
        after = [(v, s) for v, s in standing if s >= c.end]
        total, end = 0, -1
        for k, (value, start) in enumerate(after):
            total += value
            if total == c.value and k >= 1:
                end = start
                break
            if total > c.value:
                break
        if end >= 0:
            return [x for x in counts if not (c.end <= x.start <= end)]
    return counts
