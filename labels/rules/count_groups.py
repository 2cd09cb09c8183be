"""Which counts of one sentence name separate groups, and what they add up to.

"54 patients with X and 61 controls" are two groups to sum; "148 patients were randomised,
three were excluded" are two stages; "baseline and follow-up interviews in 648 and 586" are one
cohort twice; "(n = 196) ... (n = 95) or placebo (n = 101)" is a total and its parts. The
sample-size rules in ``labels.rules.sample_size`` ask here.
"""

from __future__ import annotations

import re

from labels.rules.counts import Count
from labels.rules.numbers import PERCENT_NEXT, people_noun_then

_TIME_POINTS = re.compile(
    r"\bbaseline\b|follow-?up|\bT[0-9]\b|\bwaves?\b|time points?|"
    r"\bintervals?\b",
    re.I,
)
_JOIN = re.compile(
    r"(?:\band\b|\bor\b|,|\bvs\.?|\bversus|\bwith|\bcompared (?:with|to)|\bplus|"
    r"\bto|\banother|\ba further)\s*$",
    re.I,
)
_JOIN_ANYWHERE = re.compile(
    r"\b(?:and|or|vs\.?|versus|than|compared (?:with|to)|while|whereas|(?:to|with) (?:that|those) "
    r"of)\b|[,;]",
    re.I,
)
_SPLIT_TOTAL = re.compile(
    r"\b(?:including|comprising|of whom|of which|among whom|among them|"
    r"consisting of|total|overall)\b",
    re.I,
)
# "148 patients were randomised, three patients were excluded": two clauses, each with its verb,
# not a list.
_FINITE_VERB = re.compile(r"\s*\b(?:were|was|had|have|has|received|underwent)\b", re.I)
# "in 1880 women ... and in 75 women", "parents of 422 children and those of 150 controls":
# a second group named further on in the sentence.
_SECOND_GROUP = re.compile(
    r"\b(?:and|compared)\s+(?:with\s+|to\s+)?(?:in|those of|the|from|for|among)\b|"
    r"\bcompared\b[^.;()]{0,40}\b(?:with|to)\s+(?:those|the values|the results)\b|"
    r"\b(?:to|with)\s+(?:that|those)\s+of\b|"
    r"\b(?:while|whereas)\b|;\s+we\b|"
    r"\bthe (?:second|third|other) (?:group|cohort|arm)\b",
    re.I,
)
_WHEN = re.compile(r"\b(?:at|during|after|on)\s+(?:[\w-]+\s+){0,2}$", re.I)
STAGE_VERB = re.compile(r"\s*(?:were|was)\s+(?:\w+ly\s+)?(?P<verb>\w+ed)\b", re.I)


def _different_stages(sentence: str, prev: Count, cur: Count) -> bool:
    """Whether each count takes its own, different verb ("72 patients were recruited and 60
    patients were randomised"): the second is then a later stage of the first, not a group."""
    first, second = STAGE_VERB.match(sentence, prev.end), STAGE_VERB.match(sentence, cur.end)
    return bool(first and second and first.group("verb").lower() != second.group("verb").lower())


def _same_verb(sentence: str, prev: Count, cur: Count) -> bool:
    """Whether both counts take one verb ("Six patients were treated conservatively, ten
    patients were treated by drainage"): two groups treated alike, not two stages."""
    first, second = STAGE_VERB.match(sentence, prev.end), STAGE_VERB.match(sentence, cur.end)
    return bool(first and second and first.group("verb").lower() == second.group("verb").lower())


_PEOPLE_BEFORE = people_noun_then(r"(\[")


def _alike(sentence: str, prev: Count, cur: Count) -> bool:
    """Whether two counts are stated alike enough to list groups: the same kind, or a counted
    noun and an "N =" right after its people noun ("Participants (N=47) with TBI and 51
    noninjured peers")."""
    if prev.kind == cur.kind:
        return True
    total = prev if prev.kind == "N" else cur
    return {prev.kind, cur.kind} == {"N", "noun"} and bool(
        _PEOPLE_BEFORE.search(sentence, max(0, total.start - 40), total.start)
    )


# "19 PD patients, including eight with LID, and 12 healthy subjects": the clause names a part
# of the count before it, and the list goes on after it.
_PART_NEXT = re.compile(r"\s*,\s*(?:including|of whom|of which|among them)\s*", re.I)
_PART_CLAUSE = re.compile(r"\s*,\s*(?:including|of whom|of which|among them)\s[^,;()]*,", re.I)
_GROUP_OF = re.compile(r"\bgroup of\s*$", re.I)


def groups(sentence: str, counts: list[Count]) -> list[list[Count]]:
    """Split counts into lists that name separate groups ("54 patients ... and 61 controls")."""
    groups: list[list[Count]] = [[counts[0]]]
    prev = counts[0]
    for cur in counts[1:]:
        between = sentence[prev.end : cur.start]
        if _PART_NEXT.fullmatch(between):
            continue  # "19 PD patients, including eight with LID, and 12 ...": a part of 19
        between = _PART_CLAUSE.sub(",", between)
        inside_brackets = between.lstrip().startswith("(") and ")" not in between
        # "22 patients ... compared to a control group of 19 patients": the group names a second
        # sample even when the connector is not next to it.
        loose = cur.kind != "noun" or _GROUP_OF.search(between) or _SECOND_GROUP.search(between)
        connector = _JOIN_ANYWHERE.search(between) if loose else _JOIN.search(between)
        joined = (
            len(between) < 200
            and connector
            and not _SPLIT_TOTAL.search(between)
            and not inside_brackets
            and _alike(sentence, prev, cur)
            and prev.weak == cur.weak  # "16 pairs played while 5 responses were measured"
            and (cur.kind != "bare" or cur.shares_frame or prev.shares_frame)
            and not (
                connector.group(0).startswith(",")
                and _FINITE_VERB.search(between)
                and _FINITE_VERB.match(sentence, cur.end)
                and not _same_verb(sentence, prev, cur)
            )
            and not _different_stages(sentence, prev, cur)
        )
        if joined:
            groups[-1].append(cur)
        else:
            groups.append([cur])
        prev = cur
    return groups


def repeated_measures(sentence: str, group: list[Count]) -> bool:
    """Whether listed counts are one cohort at time points ("baseline and follow-up interviews
    in 648 and 586"), not groups to sum; only the words just before and inside the list decide."""
    found = list(_TIME_POINTS.finditer(sentence, max(0, group[0].start - 80), group[-1].end))
    if len(found) > 1 or any(m.start() > group[0].start for m in found):
        return True
    # One time point said as when ("At year follow-up among 72 senior patients and 71 junior
    # patients") dates the groups; it does not make them one cohort twice.
    return any(
        m.start() >= group[0].start - 40 and not _WHEN.search(sentence, 0, m.start()) for m in found
    )


def bracketed_groups(sentence: str, counts: list[Count]) -> int | None:
    """The groups listed in one bracket, summed, when nothing outside it counts the sample
    ("genotype data from earlier studies (7,937 cases and 11,774 controls)", "(15 mutation
    carriers; 20 non-carriers)"); shares of a group ("19 patients (45%)") are not groups."""
    listed = [
        c
        for c in counts
        if c.kind == "part" and not c.sex and not PERCENT_NEXT.match(sentence, c.end)
    ]
    if len(listed) < 2:
        return None
    between = sentence[listed[0].end : listed[-1].start]
    if ")" in between:
        return None
    return sum(c.value for c in listed)


def sum_of_groups(values: list[int]) -> int:
    """The listed groups summed, unless one of them is already the total of the others
    ("(n = 196) ... (n = 95) or placebo (n = 101)"). Small counts add up by chance ("eight
    patients, five relatives and three HCPs") and are summed."""
    total = sum(values)
    if len(values) > 2:
        for value in (values[0], values[-1]):
            if 2 * value == total and value >= 20:
                return value
    return total
