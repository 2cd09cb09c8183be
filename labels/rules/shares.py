"""The sample where an abstract states it only as the base of its shares.

"Fibrosis was observed in 7 of 70 patients", "4 (11.8%) of 34 patients in the BAE strategy and
17 (44.7%) of 38 patients in the medical strategy", "25% (57/232) ... 19% (44/232)": when no
sentence counts the sample, ``labels.rules.sample_size`` falls back to these bases.
"""

from __future__ import annotations

import re

from labels.rules.counts import NOT_COUNT_PREFIX, PEOPLE_WORD, closes_share
from labels.rules.numbers import ANY_DIGIT, NOUN_AFTER, find_numbers, mentions_people

# "of 70 patients with the disease", "of 66 patients who entered": the base described as a sample.
_SAMPLE_DESCRIBED = re.compile(
    r"\s+(?:with|who|studied|enrolled|included|treated|undergoing|receiving)\b", re.I
)


def denominator_counts(sentence: str) -> list[int]:
    """The people counts that close a share ("7 of 70 patients", "52 of 66 patients who
    entered"): the sample when an abstract states it only as the base of its shares."""
    low = sentence.lower()
    if "of " not in low or ANY_DIGIT.search(sentence) is None or not mentions_people(low):
        return []
    out = []
    for value, start, end in find_numbers(sentence, False):
        if not closes_share(sentence, start):
            continue
        noun = NOUN_AFTER.match(sentence, end)
        if noun is None or NOT_COUNT_PREFIX.search(sentence[max(0, start - 14) : start]):
            continue
        if _SAMPLE_DESCRIBED.match(sentence, noun.end()):
            out.append(value)
    return out


_IN_ARM = re.compile(
    r"(?:\s+(?:[\w-]+\s+){0,2}?(?:patients|participants|subjects|children|women|men))?\s+in\s+"
    r"the\s+(?:[\w-]+\s+){0,3}?(?:group|arm|strategy)\b",
    re.I,
)


def arm_denominators(sentence: str) -> int | None:
    """The arms' bases summed, when one sentence gives a share of each arm ("in 4 (11.8%) of 34
    patients in the BAE strategy and 17 (44.7%) of 38 patients in the medical strategy"): the
    sample when nothing else counts it."""
    if ANY_DIGIT.search(sentence) is None or " of " not in sentence:
        return None
    bases = [
        value
        for value, start, end in find_numbers(sentence, False)
        if closes_share(sentence, start) and _IN_ARM.match(sentence, end)
    ]
    return sum(bases) if len(bases) >= 2 else None


# "25% (57/232) had a PS ... in 19% (44/232)": shares of one base written as fractions.
_FRACTION = re.compile(r"(?<![\w.,/])(\d{1,6})\s*/\s*(\d{1,6})(?![\w.,/]|\s*(?:mg|kg|ml|min|h)\b)")


def shared_share_base(sentences: list[str]) -> int | None:
    """The base that two or more fractions share, one of them in a sentence that names people
    ("Of all patients, 25% (57/232) ..."): the sample when the abstract states it only so.
    Fractions of arteries or hospitals, with no people named beside them, are left alone."""
    bases: dict[int, int] = {}
    with_people: set[int] = set()
    for sentence in sentences:
        if "/" not in sentence:
            continue
        for m in _FRACTION.finditer(sentence):
            part, base = int(m.group(1)), int(m.group(2))
            if 0 < part <= base and base >= 2:
                bases[base] = bases.get(base, 0) + 1
                if PEOPLE_WORD.search(sentence):
                    with_people.add(base)
    shared = [b for b, n in bases.items() if n >= 2 and b in with_people]
    return max(shared, key=lambda b: (bases[b], b)) if shared else None
