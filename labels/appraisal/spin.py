"""Robot: spin, a trial that missed its primary endpoint but concludes favourably.

Boutron et al.'s definition, narrowed to what an abstract shows: the study's ``finding`` is
``negative`` or ``mixed`` (the label, given to the robot) and a conclusion sentence still
recommends the intervention or calls it effective, without saying the comparison failed. With
no finding given, a null primary result stated in the abstract stands in for it.
"""

from __future__ import annotations

import re

from labels.appraisal.document import Doc, Sentence
from labels.appraisal.types import SpinFlag

_FAVOURABLE = re.compile(
    r"\b(?:effective|efficacious|beneficial|benefits?|superior|promising|recommend(?:ed|able)?|"
    r"should be (?:considered|used|offered|recommended)|can be (?:used|considered|recommended|"
    r"offered)|good (?:option|alternative|choice)|(?:alternative|new|novel|valuable|useful) "
    r"(?:approach|option|treatment|therapy|regimen|strategy|adjunct|intervention|tool for "
    r"(?:treating|the treatment))|positive (?:effect|impact|influence)|improv(?:e|es|ed|ing|"
    r"ement)|ideal|advantageous|(?:may|can|could|might|will|would|to) (?:\w+ )?(?:reduce|decrease|"
    r"alleviate|attenuate|relieve|enhance|prevent|protect|help))\b",
    re.I,
)
_NEGATED = re.compile(
    r"\b(?:not|no|did not|does not|do not|failed to|fail to|neither|nor|without|unable|"
    r"lack(?:ed)? of|no evidence|insufficient|unclear|uncertain|inconclusive|not superior|"
    r"did not differ|no (?:significant )?(?:difference|effect|benefit|improvement)|"
    r"comparable|similar|equivalent|non-?inferior)\b",
    re.I,
)
_SAFETY_ONLY = re.compile(
    r"\b(?:safe|safety|tolerated|tolerability|feasib\w+|acceptab\w+|adverse)\b", re.I
)
_NULL_PRIMARY = re.compile(
    r"\b(?:no (?:statistically )?significant (?:difference|effect|improvement|change)|"
    r"did not (?:significantly )?(?:differ|improve|reduce|change)|not (?:statistically )?"
    r"significant(?:ly)?|was not met|were not met|failed to (?:show|demonstrate|meet|reach))\b",
    re.I,
)
_POSITIVE_RESULT = re.compile(
    r"\bsignificantly (?:higher|lower|better|greater|reduced|improved)\b", re.I
)


def _primary_missed(doc: Doc) -> bool:
    """The first result sentence (or the primary-outcome one) reports a null comparison."""
    results = doc.in_section("RESULTS") or doc.sentences[len(doc.sentences) // 2 : -1]
    for sentence in results:
        if re.search(r"(?i)\bprimary\b", sentence.text):
            return bool(_NULL_PRIMARY.search(sentence.text))
    for sentence in results:
        if _NULL_PRIMARY.search(sentence.text) or _POSITIVE_RESULT.search(sentence.text):
            return bool(_NULL_PRIMARY.search(sentence.text))
    return False


def _favourable(sentence: Sentence) -> bool:
    text = sentence.text
    if _FAVOURABLE.search(text) is None:
        return False
    without_safety = _SAFETY_ONLY.sub("", text)
    return bool(_FAVOURABLE.search(without_safety))


def annotate(doc: Doc) -> tuple[SpinFlag, ...]:
    """A flag with the favourable conclusion sentence, or nothing."""
    if doc.design not in (None, "rct", "meta_analysis", "nonrandomized_trial"):
        return ()
    if doc.finding is not None:
        missed = doc.finding in ("negative", "mixed")
        reason = f"finding is {doc.finding} but the conclusion reads favourable"
    else:
        missed = _primary_missed(doc)
        reason = "primary comparison reported null but the conclusion reads favourable"
    if not missed:
        return ()
    conclusion = doc.conclusion()
    if any(_NEGATED.search(s.text) for s in conclusion):
        return ()  # the conclusion owns up to the null result
    for sentence in conclusion:
        if _favourable(sentence):
            return (SpinFlag(reason, sentence.text),)
    return ()
