"""Robot: the primary outcome and its time point, only where the abstract designates one.

ExaCT and RobotReviewer both find that abstracts name a primary outcome in a few fixed ways
("the primary outcome was ...", "... was the primary end point", a MAIN OUTCOME MEASURES
section); an outcome that is merely the first one reported is not called primary here.
"""

from __future__ import annotations

import re

from labels.appraisal.document import Doc, Sentence
from labels.appraisal.types import PrimaryOutcome

_KIND = (
    r"(?:outcome|end[- ]?point|outcome measure|outcome variable|efficacy (?:measure|variable|"
    r"outcome|end[- ]?point|parameter)|measure|variable|parameter)s?(?:\s+measures?)?"
)
_PRIMARY = r"(?:pre-?specified\s+)?(?:co-?primary|primary|main|principal)"
_FORWARD = re.compile(
    rf"\b{_PRIMARY}\s+(?:(?:study|clinical|efficacy|outcome)\s+)?{_KIND}\s*"
    r"(?:(?:of|in)\s+(?:this|the|our)\s+(?:study|trial|analysis|review)\s+)?"
    r"(?:was|were|is|are|included|comprised|consisted of|of|being|:|=)\s+"
    r"(?!(?:not\s+)?(?:met|achieved|reached|attained|similar|significant|different)\b)(?P<m>[^;]+)",
    re.I,
)
_REVERSE = re.compile(
    rf"(?P<m>[A-Za-z(][^;:]{{2,160}}?)\s+(?:was|were|is|are|served as|as)\s+(?:the|our|a)\s+"
    rf"{_PRIMARY}\s+(?:efficacy\s+)?{_KIND}\b",
    re.I,
)
_CUE = re.compile(r"primary|main|principal", re.I)  # a cheap test before the costly patterns
_SECTION = re.compile(r"main outcome|primary outcome|primary end|primary efficacy", re.I)

_CUT = re.compile(
    r",?\s+and\s+(?:the\s+)?(?:key\s+)?secondary\b|;|\.\s|\.$|,\s+(?:which|defined|as assessed|"
    r"measured|assessed|while|whereas|with secondary)|\s+(?:as\s+)?(?:measured|assessed|"
    r"evaluated|determined|recorded|examined|analy[sz]ed|calculated|quantified)\s+(?:by|with|using|"
    r"on|in|at|through|via|as)\b|\s+using\b|\s+\((?:primary|p\s*[=<]|defined|as defined)|"
    r",\s+(?:analy[sz]ed|adjusted|controlling|compared)\b",
    re.I,
)
_LEAD = re.compile(r"^(?:the|a|an|to (?:compare|assess|evaluate|determine))\s+", re.I)

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "sixteen": 16,
    "eighteen": 18, "twenty": 20, "twenty-four": 24, "thirty": 30, "forty-eight": 48,
    "fifty-two": 52, "seventy-two": 72,
}  # fmt: skip
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted(_WORDS, key=len, reverse=True))
_UNIT = r"hours?|hrs?|h|days?|d|weeks?|wks?|months?|mo|years?|yrs?|minutes?|min"
_AT_UNIT_N = re.compile(
    rf"\b(?:at|by|after|to|through|until|on|in)\s+(?:the\s+end\s+of\s+)?"
    rf"(?P<u>week|day|month|year|hour|visit)\s+(?P<n>{_NUMBER})\b",
    re.I,
)
_N_UNIT = re.compile(
    rf"(?:\b(?:at|after|over|within|during|by|for|to|in|of)\s+(?:the\s+)?(?:first\s+)?)?"
    rf"\b(?P<n>{_NUMBER})[- ](?P<u>{_UNIT})\b(?P<tail>[- ](?:after|post|following|follow-up|"
    r"postoperative(?:ly)?|postpartum|later|from))?",
    re.I,
)
_END = re.compile(r"\bend of (?:the )?(?:treatment|study|intervention|trial|follow-up)\b", re.I)
_UNIT_NAME = {
    "d": "days", "h": "hours", "hr": "hours", "hrs": "hours", "wk": "weeks", "wks": "weeks",
    "mo": "months", "yr": "years", "yrs": "years", "min": "minutes",
}  # fmt: skip


def _number(text: str) -> str:
    return str(_WORDS.get(text.lower(), text))


def find_time_point(text: str) -> str | None:
    """The first stated assessment time in ``text`` ("week 24", "6 months", "end of treatment")."""
    found: list[tuple[int, str]] = []
    if m := _AT_UNIT_N.search(text):
        found.append((m.start(), f"{m.group('u').lower()} {_number(m.group('n'))}"))
    for m in _N_UNIT.finditer(text):
        hyphenated = text[m.start("n") : m.end("u")].count("-") == 1
        if m.start("n") > m.start() or m.group("tail") or hyphenated:
            unit = m.group("u").lower()
            unit = _UNIT_NAME.get(unit, unit)
            n = _number(m.group("n"))
            if not unit.endswith("s") and n != "1":
                unit += "s"
            found.append((m.start(), f"{n} {unit}"))
            break
    if m := _END.search(text):
        found.append((m.start(), m.group(0).lower()))
    return min(found)[1] if found else None


def _clean(measure: str) -> str | None:
    cut = _CUT.search(measure)
    if cut:
        measure = measure[: cut.start()]
    for pattern in (_AT_UNIT_N, _N_UNIT, _END):
        if (time := pattern.search(measure)) and time.start() > 8:
            rest = measure[time.end() :]
            # "change from baseline to week 24 on the ADAS-Cog": the measure goes on after the time.
            keep = rest if re.match(r"\s*(?:on|in|of|for)\s", rest) else ""
            measure = f"{measure[: time.start()]} {keep}"
    measure = re.sub(
        r"\s+(?:at|over|during|within|after|by|from|on|in|to)\s*$", "", measure.strip()
    )
    measure = " ".join(measure.split())
    measure = _LEAD.sub("", measure.strip(" ,:.("))
    if not re.search(r"[A-Za-z]{3}", measure):
        return None
    return " ".join(measure.split()[:30])


def _answer(sentence: Sentence, measure_text: str, tail: str) -> PrimaryOutcome | None:
    measure = _clean(measure_text)
    if measure is None:
        return None
    return PrimaryOutcome(measure, find_time_point(tail), sentence.text)


def annotate(doc: Doc) -> tuple[PrimaryOutcome, ...]:
    """The designated primary outcome (at most one answer), with its time point if stated."""
    for sentence in doc.sentences:
        if not _CUE.search(sentence.text):
            continue
        forward = _FORWARD.search(sentence.text)
        if forward and (ans := _answer(sentence, forward.group("m"), forward.group("m"))):
            return (ans,)
        if (m := _REVERSE.search(sentence.text)) and not re.search(
            r"(?i)\bsecondary\b", m.group("m")
        ):
            clause = re.split(
                r",\s+|;\s+|\b(?:that|where|whereas|while|regarding|concerning|on|for)\s+",
                m.group("m"),
            )[-1]
            if ans := _answer(sentence, clause, sentence.text):
                return (ans,)
    for sentence in doc.sentences:
        if sentence.label and _SECTION.search(sentence.label):
            head = re.split(r"\s+(?:was|were|is|are)\s+", sentence.text, maxsplit=1)[0]
            if ans := _answer(sentence, head, sentence.text):
                return (ans,)
    return ()
