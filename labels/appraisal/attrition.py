"""How many randomised participants were lost, where the abstract states enough to tell.

Comparing two stated numbers (60 randomised, 48 completed) is reading, not computing beyond the
abstract, so the attrition hint may do it; it never guesses a denominator it was not given.
"""

from __future__ import annotations

import re

from labels.appraisal.document import Doc

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TENS = {w: (i + 2) * 10 for i, w in enumerate(_TEN_WORDS.split())}
_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "and"], key=len, reverse=True))
COUNT = rf"(?:\b\d{{1,3}}(?:,\d{{3}})*\b|\b\d+\b|\b(?:{_WORD})(?:[- ](?:{_WORD}))*\b)"
_PEOPLE = (
    r"(?:patients|participants|subjects|women|men|children|adults|volunteers|individuals|"
    r"persons|people|infants|students|cases|smokers|veterans|couples|mothers|athletes)"
)
_RANDOMISED = (
    re.compile(
        rf"(?P<n>{COUNT})\s+(?:[\w-]+\s+){{0,5}}?{_PEOPLE}?\s*(?:were|was)\s+(?:then\s+)?"
        r"(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided|distributed))",
        re.I,
    ),
    re.compile(rf"\brandomi[sz]ed\s+(?P<n>{COUNT})\s+(?:[\w-]+\s+){{0,4}}?{_PEOPLE}", re.I),
    re.compile(rf"(?P<n>{COUNT})\s+randomi[sz]ed\s+{_PEOPLE}", re.I),
    re.compile(
        rf"(?P<n>{COUNT})\s+(?:[\w-]+\s+){{0,4}}?{_PEOPLE}\s+(?:were\s+)?(?:enrolled|recruited)",
        re.I,
    ),
    re.compile(
        rf"\b(?:enrolled|recruited)\s+(?P<n>{COUNT})\s+(?:[\w-]+\s+){{0,4}}?{_PEOPLE}", re.I
    ),
)
_LOST = re.compile(
    rf"(?P<n>{COUNT})\s+(?:\(\d+(?:\.\d+)?\s?%\)\s+)?(?:[\w-]+\s+){{0,3}}?(?:{_PEOPLE}\s+)?"
    r"(?:dropped out|withdrew|were withdrawn|were lost to follow[- ]?up|discontinued|"
    r"did not complete|were excluded)",
    re.I,
)
_COMPLETED = re.compile(
    rf"(?P<n>{COUNT})\s+(?:\(\d+(?:\.\d+)?\s?%\)\s+)?(?:of\s+(?:the\s+)?(?P<of>{COUNT})\s+)?"
    rf"(?:[\w-]+\s+){{0,3}}?(?:{_PEOPLE}\s+)?(?:completed|finished)\b",
    re.I,
)
_ANALYSED = re.compile(
    rf"\b(?:in|of)\s+(?P<n>{COUNT})\s+(?:{_PEOPLE}\s+)?\((?:[\w ]+?\s)?(?P<a>\d+),\s*(?:[\w ]+?\s)?"
    rf"(?P<b>\d+)\)|(?P<m>{COUNT})\s+(?:[\w-]+\s+){{0,3}}?(?:{_PEOPLE}\s+)?(?:were|was)\s+"
    r"(?:included in the (?:final )?analysis|analy[sz]ed)",
    re.I,
)
_RATE_LOST = re.compile(
    r"(?:drop[- ]?out|attrition|withdrawal|loss to follow[- ]?up)\s+rates?\s+(?:\w+\s+){0,3}?"
    r"(?:was|were|of|=|:)\s+(?P<p>\d+(?:\.\d+)?)\s?%",
    re.I,
)
_RATE_KEPT = re.compile(
    r"(?:retention|completion|follow[- ]?up)\s+rates?\s+(?:\w+\s+){0,3}?(?:was|were|of|=|:)?\s*"
    r"(?P<p>\d+(?:\.\d+)?)\s?%|\((?P<q>\d+(?:\.\d+)?)\s?%\s+(?:retention|completion)\s+rate\)",
    re.I,
)
_ALL_COMPLETED = re.compile(
    rf"\ball\s+(?:\w+\s+){{0,2}}?{_PEOPLE}\s+(?:\w+\s+)?completed|no\s+(?:patients?\s+|"
    r"participants?\s+)?(?:dropped out|drop-?outs|withdrawals)",
    re.I,
)


def parse_count(text: str) -> int | None:
    """A count written in digits or words ("Forty-two", "one hundred and sixty")."""
    text = text.strip().replace(",", "")
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for word in re.split(r"[- ]+", text.lower()):
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word != "and":
            return None
    total += current
    return total or None


def _randomised(doc: Doc) -> int | None:
    for pattern in _RANDOMISED:
        for sentence in doc.sentences:
            if m := pattern.search(sentence.text):
                n = parse_count(m.group("n"))
                if n and n > 1:
                    return n
    return None


def attrition_share(doc: Doc) -> tuple[float, str] | None:
    """The share of randomised participants lost, and the sentence that states it."""
    randomised = _randomised(doc)
    for sentence in doc.sentences:
        text = sentence.text
        if _ALL_COMPLETED.search(text):
            return 0.0, text
        if m := _RATE_LOST.search(text):
            return float(m.group("p")) / 100, text
        if m := _RATE_KEPT.search(text):
            return 1 - float(m.group("p") or m.group("q")) / 100, text
        lost = _LOST.search(text)
        n = parse_count(lost.group("n")) if lost else None
        if randomised and n is not None and n < randomised:
            return n / randomised, text
        if (
            randomised
            and (m := _ANALYSED.search(text))
            and (n := parse_count(m.group("n") or m.group("m")))
            and n <= randomised
            and re.search(r"(?i)analy", text)
        ):
            return 1 - n / randomised, text
        if m := _COMPLETED.search(text):
            done = parse_count(m.group("n"))
            total = parse_count(m.group("of")) if m.group("of") else randomised
            if done is not None and total and done <= total:
                return 1 - done / total, text
    return None
