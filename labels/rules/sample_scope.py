"""Whether a count stated in an abstract is of the study's own participants.

Some counts of people are of others: cases reported in the literature, a model's simulated
cohort, an estimate for a population. Others name a group enrolled beside the main sample
("In addition, 33 patients with PD were included"), which the guide adds to it (Part 2,
rule 12). The sentence-level readings of ``labels.rules.sample_size`` ask here.
"""

from __future__ import annotations

import re

from labels.rules.counts import Count
from labels.rules.numbers import PEOPLE

_LITERATURE = re.compile(
    r"\b(?:previously (?:reported|described|published)|in the (?:english )?literature|"
    r"literature review)\b",
    re.I,
)
_MODELLED = re.compile(
    r"\b(?:were|was) simulated\b|\b(?:simulated|hypothetical|virtual) (?:cohorts?|patients|"
    r"trials?|populations?|participants|individuals)\b|\bmicrosimulation\b",
    re.I,
)
# "For every 100,000 women screened", "an estimated 21,000 cases": a rate or an estimate.
_ESTIMATED = re.compile(r"\b(?:for every|an estimated|estimated|approximately every)\s+$", re.I)
# "In addition, 33 patients with PD were included", "five other subjects were studied": a group
# taking part beside the sample, not a subset of it ("the other 17 patients had ...").
_ADDED_GROUP = re.compile(
    r"\b(?:in addition|additional(?:ly)?|another|other|further|a second|a separate)\b", re.I
)
_ADDED_OPENING = re.compile(
    r"^(?:in addition|additionally|also|besides|furthermore|moreover|next|then|subsequently|"
    r"for comparison)\b",
    re.I,
)
_THE_OTHER = re.compile(
    r"\b(?:the|these|those|remaining)\s+(?:\w+\s+)?(?:other|additional|further)\b", re.I
)

# "A control group of 92 athletes", "Twenty-one children acted as controls": a group named as the
# controls of the sample, in a sentence of its own.
_CONTROLS_BEFORE = re.compile(
    r"\b(?:control group|comparison group|controls?) (?:consisted of|comprised|included|were|"
    r"was)\s+$|"
    r"\ba (?:healthy )?control group of\s+$|\b(?:were|was) matched (?:to|with)\s+$",
    re.I,
)
_CONTROLS_AFTER = re.compile(
    r"[^.;]{0,120}\b(?:served|acted|were (?:used|enrolled|recruited|included|selected|studied))"
    r"(?: [^.;,]{0,40})? as (?:a |the )?(?:healthy |normal )?control(?:s|\s+group)?\b|"
    r"(?:[\w-]+\s+){0,3}?(?:of|from) (?:a|the) (?:healthy |normal )?control group\b|"
    r"(?:[^.;()]|\([^()]*\)){0,120}\b(?:comprised|formed|constituted|represented|made up) "
    r"(?:the|our|a) "
    r"(?:\w+ )?control (?:group|cohort)\b",
    re.I,
)
# "A case-control study included 30 neonates" names the design, not a control group.
_CONTROLS_NAMED = re.compile(
    r"(?<!case-)(?<!case )(?<!case–)\bcontrols?\b|\bhealthy\b|\bnormal (?:subjects|volunteers)",
    re.I,
)


def control_group(sentence: str, count: Count) -> bool:
    """Whether the count is named as a control group ("A control group of 92 athletes")."""
    before = sentence[max(0, count.start - 40) : count.start]
    return bool(_CONTROLS_BEFORE.search(before) or _CONTROLS_AFTER.match(sentence, count.start))


def names_controls(sentence: str) -> bool:
    """Whether a sentence already counts the controls along with the patients."""
    return _CONTROLS_NAMED.search(sentence) is not None


def modelled(sentence: str) -> bool:
    """Whether the sentence counts a model's cohort ("100,000 patients were simulated")."""
    low = sentence.lower()
    if "simulat" not in low and "hypothetical" not in low and "virtual" not in low:
        return False  # the common case, without a regex scan
    return _MODELLED.search(sentence) is not None


def estimated(sentence: str, count: Count) -> bool:
    """Whether the count is an estimate or a rate's base ("an estimated 21,000 cases")."""
    return _ESTIMATED.search(sentence, max(0, count.start - 20), count.start) is not None


def from_literature(sentence: str, first: Count, last: Count) -> bool:
    """Whether the counts are other authors' patients ("the 17 previously reported cases")."""
    return _LITERATURE.search(sentence, max(0, first.start - 40), last.end + 60) is not None


def added_group(sentence: str, count: Count) -> bool:
    """Whether a count names a group studied beside the main sample, not a subset of it."""
    near = max(0, count.start - 40)
    if _THE_OTHER.search(sentence, near, count.end):
        return False
    return bool(_ADDED_OPENING.match(sentence) or _ADDED_GROUP.search(sentence, near, count.end))


# "Another cohort of 175 patients was used as external validation", "validated in another
# dataset with 984 patients": a second sample named as such, whatever verb it takes.
_NEW_COHORT = re.compile(
    r"\b(?:another|a second|a third|a further|an? (?:independent|separate|external|additional|"
    r"new|similar|comparable))\s+(?:[\w-]+\s+){0,2}?(?:cohort|dataset|data set|sample|"
    r"population|series|group)\s+"
    r"(?:of|with|including|comprising|consisting of)\s+(?:[\w-]+\s+)?$",
    re.I,
)


# "In eight other normal subjects the plasma secretin was measured": a sentence about a further
# group opens with it.
_IN_OTHER = re.compile(r"^(?:In|For)\s+$")
_OTHER_NOUN = re.compile(r"\S+\s+(?:other|additional|further)\b", re.I)
# "were performed on five other subjects", "were compared in another 12 obese subjects": the
# study is done again in people beside the sample.
_ON_OTHER = re.compile(r"\b(?:on|in)\s+$", re.I)
_ANOTHER = re.compile(r"\b(?:in|on)\s+(?:another|a further|an additional)\s+$", re.I)


# "were assessed in these patients and 100 matched healthy controls": a group named beside the
# sample the sentence refers back to.
_BESIDE_THESE = re.compile(
    rf"\b(?:these|those|the same|all)\s+(?:[\w-]+\s+)?{PEOPLE}\s+and\s+(?:in\s+)?$"
)


def new_cohort(sentence: str, count: Count) -> bool:
    """Whether the count is of a further sample named as one ("another cohort of 175", "In
    eight other normal subjects ...", "on five other subjects")."""
    before = sentence[max(0, count.start - 30) : count.start]
    if _OTHER_NOUN.match(sentence, count.start) and (
        _IN_OTHER.match(sentence[: count.start]) or _ON_OTHER.search(before)
    ):
        return True
    if _ANOTHER.search(before) or _BESIDE_THESE.search(
        sentence, max(0, count.start - 50), count.start
    ):
        return True
    return _NEW_COHORT.search(sentence, max(0, count.start - 80), count.start) is not None


# "These patients ... were compared with the first 177 patients seen", "Comparisons were made to
# 44 symptom-detected patients", "relative to 25 normals": a group studied for comparison.
_COMPARED_WITH = re.compile(
    r"\b(?:(?:were|was) compared|comparisons? (?:were|was) made|(?:in )?comparison|relative)\s+"
    r"(?:with|to)\s+(?:the\s+|a\s+|an\s+)?(?:(?:first|group of|cohort of|sample of)\s+)?$",
    re.I,
)


def comparison_group(sentence: str, count: Count) -> bool:
    """Whether the count is of a group the sample is compared with ("were compared with 25
    healthy controls"): in a sentence after the sample's, a group beside it."""
    return _COMPARED_WITH.search(sentence, max(0, count.start - 60), count.start) is not None
