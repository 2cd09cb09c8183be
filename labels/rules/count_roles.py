"""How a count of people was reached: randomised, enrolled, reviewed, screened or analysed.

The sample is the count randomised, else enrolled, else analysed (the guide's sample_size
rule). A count's standing is read from the verbs around it, and ``labels.rules.sample_size``
ranks the candidates by it: 3.5 a secondary analysis's own sample, 3 randomised, 2 enrolled,
1.9 records reviewed, 1.5 stated without a verb, 1.3 completed, 1.25 a remaining part,
1.2 screened, 1 analysed, 0.8 excluded or lost.
"""

from __future__ import annotations

import re

# Verbs by which a count of people enters the study, as they stand right after it or before a
# bracketed count: the shared core of "N of M people were <verb>" (``labels.rules.counts``)
# and "were <verb> (3527 patients)" (``labels.rules.sample_size``). ENROLLED is wider: it also
# reads the noun "participants", which after "12 of 15" names a pool, not a verb.
ENTRY_VERBS = r"enrol+ed|included|recruited|randomi[sz]ed|studied"

RANDOMISED = re.compile(
    r"(?<!non-)(?<!non)randomi[sz]|randomly (?:assigned|allocated|divided|selected into)|"
    r"allocated (?:at random|randomly)",
    re.I,
)
ENROLLED = re.compile(
    r"\b(?:enrol+ed|enrol+ment|recruited|included|inclusion|participated|took part|consented|"
    r"entered|were studied|were investigated|were evaluated|were enrolled|comprised|"
    r"consisted of|sample of|were interviewed|we interviewed|surveyed|"
    r"were assessed|were examined|we studied|participants?|(?:study|we) (?:analy[sz]ed|"
    r"examined|studied|followed))\b",
    re.I,
)
_REVIEWED = re.compile(
    r"\b(?:(?:were|was) (?:retrospectively )?(?:reviewed|collected)|"
    r"we (?:retrospectively )?reviewed)\b",
    re.I,
)
# Verbs that mark the sample in a survey ("113 responded") but more often a subset of it
# ("the 21 patients who completed the course", "10 subjects who responded to the drug").
COMPLETED = re.compile(r"\b(?:completed|responded)\b", re.I)
SCREENED = re.compile(
    r"\b(?:screened|eligible|approached|invited|contacted|"
    r"assessed for eligibility)\b",
    re.I,
)
_ANALYSED = re.compile(r"\banaly[sz]ed\b|\banaly[sz][ie]s\b|\bevaluable\b", re.I)

_PART_OF_SAMPLE = re.compile(r"\bthe (?:remaining|initial|first|last)\s+$", re.I)
# "completed the trial" is a subset that finished; "completed a 3-session crossover study"
# describes the study all of them took part in.
_FINISHED = re.compile(rf"{COMPLETED.pattern}(?!\s+(?:a|an|one|two|three|four)\b)", re.I)
_IN_TOTAL = re.compile(r"\b(?:in total|a total of|altogether|overall)\W*$", re.I)
_ASIDE = re.compile(r"^\s*\([^()]*\)")
# "Five patients were excluded", "370 persons died": those who left, not the sample.
_LEFT = re.compile(
    r"\s*(?:\([^()]*\)\s*)?(?:(?:were|was|had been)\s+(?:\w+ly\s+)?(?:excluded|withdrawn|lost)\b|"
    r"(?:withdrew|dropped out|died|declined)\b)",
    re.I,
)
# A secondary analysis names its own sample beside the trial it draws on: "This secondary
# analysis included 91 women", "151 subjects ... were included in the secondary analysis".
_THIS_ANALYSIS = re.compile(
    r"\b(?:this|the|our|the present|the current)\s+(?:secondary|post[- ]hoc|ancillary|"
    r"exploratory)\s+(?:analysis|study)\s+(?:included|comprised|was restricted to|"
    r"was based on|used data (?:from|on)|examined)\s+(?:data (?:from|on)\s+)?(?:the\s+)?$",
    re.I,
)
_IN_THIS_ANALYSIS = re.compile(
    r"[^.;]{0,80}?\b(?:were|was)\s+included\s+in\s+(?:this|the|our)\s+(?:secondary|"
    r"post[- ]hoc|ancillary|exploratory)\s+analysis\b",
    re.I,
)


def count_role(sentence: str, start: int, end: int, stop: int | None = None) -> float:
    """How the count in ``sentence[start:end]`` was reached: randomised, enrolled, analysed.
    The words after it are read up to ``stop``, where the next count takes its own verb ("72
    patients were recruited and 60 patients were randomised")."""
    before = sentence[max(0, start - 60) : start].rsplit(";", 1)[-1]
    after = sentence[end : min(end + 220, stop or len(sentence))].split(";", 1)[0]
    window = before + " " + sentence[start:end] + " " + after
    # "293 patients were screened, of whom 226 were randomised": the verb next to the count wins.
    if SCREENED.search(after[:40]):
        return 1.2
    if _LEFT.match(after):
        return 0.8
    if _THIS_ANALYSIS.search(before) or _IN_THIS_ANALYSIS.match(after):
        return 3.5  # "This secondary analysis included 91 women randomised to ...": the sample
    if _FINISHED.match(_ASIDE.sub("", after, count=1).lstrip()):
        # "Forty-six study participants (...) completed the trial": a subset; "In total, 331
        # patients completed the questionnaires" counts the sample.
        return 2.0 if _IN_TOTAL.search(before) else 1.3
    if RANDOMISED.search(window):
        return 3.0
    if _PART_OF_SAMPLE.search(before):
        return 1.25  # "The remaining 120 patients were studied": a part of the sample
    if ENROLLED.search(window):
        return 2.0
    # "The records of 12 patients were reviewed": the sample, unless a count of those included
    # from them follows ("We reviewed 500 cases ... 69 were included").
    if _REVIEWED.search(window):
        return 1.9
    if COMPLETED.search(window):
        return 1.3
    if SCREENED.search(after[:80]):
        return 1.2
    if _ANALYSED.search(window):
        return 1.0
    return 1.5
