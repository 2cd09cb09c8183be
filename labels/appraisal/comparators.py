"""Robot: what the intervention was compared against (placebo, active placebo, active, ...).

Inert placebos, active placebos and usual care are named in a few stock phrases; an active
comparator is whatever stands on the other side of "versus", "compared with" or "randomised to
A or B" and is none of those. Kinds are the GUIDE's, one answer per kind.
"""

from __future__ import annotations

import re

from labels.appraisal.document import Doc, Sentence
from labels.appraisal.types import COMPARATOR_KINDS, Comparator

_ACTIVE_PLACEBO = re.compile(
    r"\bactive[- ](?:placebo(?!['’]?\s*(?:response|effect))|control(?:led)?\b"
    r"(?=[^.]{0,60}\b(?:midazolam|diphenhydramine|niacin|blind)))|"
    r"\bmidazolam[- ](?:controlled|placebo|comparator|control)\b",
    re.I,
)
_PSYCHIATRIC_KETAMINE = re.compile(
    r"\b(?:es|ar)?ketamine\b(?=.*(?<!respiratory )(?<!ventilatory )\b(?:depress(?:ion|ive)|"
    r"suicid\w*|ptsd|post-?traumatic|bipolar|obsessive)\b)",
    re.I | re.S,
)
_MIDAZOLAM = re.compile(r"\bmidazolam\b", re.I)
_PLACEBO = re.compile(
    r"(?<!active[- ])\b(?:placebo|sham|dummy|vehicle[- ]controlled|vehicle group)\b|"
    r"\b(?:received|receive|given|with|or|versus|vs\.?|of|and)\s+(?:an?\s+)?(?:equal\s+volume\s+of\s+)?"
    r"(?:(?:normal|isotonic|physiological|0\.9\s?%)\s+)?(?:saline|nacl)\b(?!\s+(?:solution\s+)?"
    r"(?:containing|with|mixed))|\bsaline[- ](?:group|infusion|injection|control|placebo|solution "
    r"only|only)\b",
    re.I,
)
_USUAL_CARE = re.compile(
    r"(?<!\bin )\b(?:usual|standard|routine|conventional|regular)[- ]"
    r"(?:medical\s+|clinical\s+|nursing\s+)?"
    r"(?:care|treatment|therapy|practice|management)\b|\btreatment[- ]as[- ]usual\b|\bTAU\b|"
    r"\bstandard[- ]of[- ]care\b|\bwait(?:ing)?[- ]?list\b|\bno[- ](?:\w+\s+)?(?:treatment|"
    r"intervention|block|drug|analgesi\w*|premedication|prophylaxis|supplement\w*)\b|"
    r"\breceived no\b|\bnon-?intervention\s+group\b|"
    r"\b(?:\w+\s+){1,2}alone\b(?=[^.]{0,40}\b(?:group|arm)\b)|\b(?:compared|versus|vs\.?|or|than)"
    r"\s+(?:with\s+|to\s+)?(?:[\w-]+\s+){1,3}alone\b|\bcontrol group (?:received|was given|had) "
    r"(?:only|the same)\b|\bcontrols? (?:group |arm )?(?:received|used|underwent|continued|had|"
    r"followed) (?:only |the same |their |usual |standard |traditional |routine )|"
    r"\b(?:standard|traditional|routine|usual) [\w-]+(?: [\w-]+){0,2} \(control (?:arm|group)\)|"
    r"\badequate sleep\b|\bno[- ]exercise\b",
    re.I,
)
# A usual-care phrase counts only where the sentence is about the comparison, not the background.
_COMPARISON_CONTEXT = re.compile(
    r"(?i)\b(?:versus|vs\.?|compared|comparison|control|group|arm|random\w*|allocated|assigned|or|"
    r"alone|received|receive)\b"
)
_NOT_USUAL = re.compile(r"\b(?:placebo|sham|saline)\b", re.I)
_VERSUS = re.compile(
    r"\b(?:versus|vs\.?|compared\s+(?:with|to)|(?:in\s+)?(?:a\s+)?comparison\s+(?:with|to)|"
    r"relative\s+to|tested\s+against)\s+(?P<other>[^,;.()]{3,70})|"
    r"\bcomparison\s+(?:of|between)\s+(?P<one>[^,;.()]{3,60}?)\s+(?:and|with|to|versus)\s+"
    r"(?P<other2>[^,;.()]{3,60})",
    re.I,
)
_EITHER = re.compile(
    r"\brandom\w*\s+(?:\w+\s+){0,8}?(?:to|into|between)\s+(?:receive\s+|undergo\s+|either\s+)*"
    r"(?P<one>[^;.]{3,90}?)\s+or\s+(?P<other>[^;.]{3,90})",
    re.I,
)
_COMPARED_AND = re.compile(
    r"(?P<one>\b[\w/-]+(?: [\w/-]+){0,4}) and (?P<other>[\w/-]+(?: [\w/-]+){0,5}) (?:were|was) "
    r"compared\b|\bcompar\w+ (?:the )?(?:[\w-]+ ){0,3}(?:of|between) (?P<one2>[^,;.()]{3,60}?),? "
    r"(?:and|with|to|versus) (?P<other3>[^,;.()]{3,60})",
    re.I,
)
_DOSES = re.compile(
    r"\b(?:two|three|four|different|various|increasing)\s+(?:different\s+)?doses\b|"
    r"\b(?:two|three|different)\s+(?:different\s+)?(?:ratios|formulations|regimens|"
    r"concentrations|techniques|routes|schedules|protocols)\b|"
    r"\bdose[- ](?:comparison|finding|ranging)\b|\bactive[- ](?:comparator|control(?:led)?)\b|"
    r"\b(?:three|four|five|3|4|5)[- ](?:treatment |study |parallel )?(?:groups|arms)\b|"
    r"\b(?:three|four)-arm(?:ed)?\b|\b1:1:1\b|\blatin[- ]square\b",
    re.I,
)
# The other side of "versus" that is not a treatment: time, people, or the study's own groups.
_NOT_TREATMENT = re.compile(
    r"^(?:the\s+)?(?:baseline|before|pre-?\w*|post-?\w*|previous|prior|healthy|normal|the\s+"
    r"(?:other|two|control|three|placebo|same)|control|controls|patients|participants|subjects|"
    r"women|men|children|those|that|group|groups|each|all|non|no\b|placebo|sham|saline|"
    r"week|day|month|year|\d|(?:the\s+)?(?:levels?|values?|scores?|results?|data|findings|rates?|"
    r"a\s+(?:double|single|randomi|prospective)|(?:an?\s+)?(?:study|trial|studies|trials|"
    r"literature)|expected|published|reference\s+values|historical))",
    re.I,
)


def _first(doc: Doc, pattern: re.Pattern[str]) -> tuple[Sentence, str] | None:
    for sentence in (Sentence(doc.title, None, "TITLE"), *doc.sentences):
        usual = pattern is _USUAL_CARE
        if usual and (
            sentence.category == "RESULTS" or not _COMPARISON_CONTEXT.search(sentence.text)
        ):
            continue
        if m := pattern.search(sentence.text):
            return sentence, m.group(0)
    return None


def _active(doc: Doc) -> tuple[Sentence, str] | None:
    """The first comparison whose other side names a treatment that is not a control."""
    for sentence in (Sentence(doc.title, None, "TITLE"), *doc.sentences):
        if sentence.category in ("RESULTS", "CONCLUSIONS") and sentence.label != "TITLE":
            continue
        if m := _DOSES.search(sentence.text):
            return sentence, m.group(0)
        for pattern in (_EITHER, _VERSUS, _COMPARED_AND):
            for m in pattern.finditer(sentence.text):
                sides = [v.strip() for k, v in m.groupdict().items() if v and k != "one"]
                one = m.groupdict().get("one") or m.groupdict().get("one2")
                # "randomised to wait-list or the app": one side is the control, so no active arm.
                if one and _is_control(one.strip()):
                    continue
                if any(_is_control(side) for side in sides if side != one):
                    continue
                if one and any(_add_on(one, side) for side in sides):
                    continue
                return sentence, m.group(0)
    return None


def _add_on(one: str, other: str) -> bool:
    """ "morphine and morphine with ketamine": one arm is the other's background, not a rival."""
    a, b = one.strip().lower(), other.strip().lower()
    return bool(a and b) and (b.startswith(a) or a.startswith(b))


def _is_control(side: str) -> bool:
    """A side of a comparison that is a control or not a treatment at all."""
    return bool(
        _NOT_TREATMENT.search(side)
        or _NOT_USUAL.search(side)
        or _USUAL_CARE.search(side)
        or re.search(r"(?i)\balone\b|\bone of\b", side)
    )


def annotate(doc: Doc) -> tuple[Comparator, ...]:
    """One Comparator per kind of control the abstract names, with the sentence that named it."""
    found: dict[str, tuple[Sentence, str]] = {}
    if (hit := _first(doc, _ACTIVE_PLACEBO)) or (
        _PSYCHIATRIC_KETAMINE.search(doc.text) and (hit := _first(doc, _MIDAZOLAM))
    ):
        found["active_placebo"] = hit
    if hit := _first(doc, _PLACEBO):
        found["placebo"] = hit
    if hit := _first(doc, _USUAL_CARE):
        found["usual_care"] = hit
    hit = _active(doc)
    if hit and not (_MIDAZOLAM.search(hit[1]) and "active_placebo" in found):
        found["active"] = hit
    return tuple(
        Comparator(kind, phrase, sentence.text)
        for kind in COMPARATOR_KINDS
        if kind in found
        for sentence, phrase in [found[kind]]
    )
