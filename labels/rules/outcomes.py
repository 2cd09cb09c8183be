"""Outcome rules: what the labelling guide lets a study's design and finding carry.

The classifier scores each outcome on its own; these rules read the guide's outcomes section
against the rest of the record, and change only what the classifier is unsure of (within
``UNSURE`` of its threshold), except where the guide is categorical. A protocol or a
commentary reports no results, so it has no outcome. A study with no result on an intervention
(the finding ``none``) has no treatment course to outlast (no ``durability``) and keeps efficacy
and safety only where the classifier is sure. ``safety`` needs a harm named in the abstract and
is given where the abstract reports its harms; ``durability`` needs some time after the
treatment. Suicidality, seven times in the labelled corpus, the classifier cannot learn.

Out of fold on the training records (5,659; halves by PMID hash), micro-F1 over the five
outcomes 0.758 -> 0.767; half A (developed on) 96 records fixed, 26 broken; half B 79 fixed,
25 broken.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from core.article import OUTCOMES, Article
from labels.rules.design import announces_protocol

if TYPE_CHECKING:
    from labels.features import Document

# not "non-suicidal self-injury" (self-harm without suicidal intent) nor "assisted suicide"
_SUICIDAL = re.compile(r"(?<!non-)(?<!non)(?<!assisted )suicid")

# How far from its threshold an outcome's probability counts as the classifier being unsure.
UNSURE = 0.2
# A finding of ``none`` this sure: the study reports no result on an intervention's effect.
SURE_NO_RESULT = 0.6
# Trials test an intervention whatever the finding model says, so their outcomes stand.
_TRIALS = ("rct", "nonrandomized_trial")

# PubMed's types for a paper without data of its own once the design is ``review``.
_COMMENTARY_TYPES = frozenset({"comment", "editorial", "letter"})
# The abstract reporting its harms as results (the guide's "adverse events, side effects ...
# tolerability"): "was well tolerated", "adverse events were mild", "no serious side effects".
_HARMS_REPORTED = re.compile(
    r"\b(?:was|were|is|are) (?:generally |very )?well[- ]tolerated\b|"
    r"\badverse (?:events?|effects?|reactions?) (?:were|was|occurred|included|related)\b|"
    r"\bno (?:serious |severe |major |significant )?(?:adverse|side)[- ]effects?\b|"
    r"\bside[- ]effects? (?:were|was|included|occurred)\b|"
    r"\bwithout (?:any )?(?:serious |significant |major )?(?:adverse|side)[- ]"
)
# Any harm named at all: the guide's list (adverse events, side effects, dissociation, blood
# pressure and heart rate, abuse or misuse, cognitive or urological harm, tolerability) and the
# harms trials count (deaths, complications, nausea, sedation). Without one, an outcome of
# ``safety`` the classifier is unsure of has nothing in the abstract to stand on.
_HARM_NAMED = re.compile(
    r"adverse|side[- ]effects?|tolera|\bsafe|toxic|complication|\bharm|dissociat|blood pressure|"
    r"heart rate|hypotens|hypertens|abuse|misuse|dependence|cognitive|urolog|bladder|cystitis|"
    r"mortality|death|died|morbidity|nausea|vomit|injur|sedation|psychotomimetic|hallucinat|"
    r"delirium|agitation|respiratory depression|bleeding|withdrawal"
)
# Any sign of time after the treatment (the guide's relapse, maintenance, follow-up after the
# course): without one, an unsure ``durability`` has nothing in the abstract to stand on.
_TIME_AFTER = re.compile(
    r"relaps|recurren|maintenance|long-?[- ]term|durab|lasting|endur|sustain|persist|"
    r"follow-?[- ]?up|months?|years?|weeks? (?:after|following|later)|remission|survival|"
    r"re-?treat|repeated"
)


def unsure_outcomes(probs: np.ndarray, thresholds: Sequence[float]) -> list[tuple[str, ...]]:
    """Per record, the outcomes whose probability lies within ``UNSURE`` of its threshold.

    ``probs`` is the batch's n x len(OUTCOMES) matrix, computed at once with numpy.
    """
    near = (np.abs(probs - np.asarray(thresholds)[None, :]) < UNSURE).tolist()
    return [tuple(o for o, n in zip(OUTCOMES, row, strict=True) if n) for row in near]


def guided_outcomes(
    labels: Mapping[str, Any],
    unsure: tuple[str, ...],
    finding_p: float,
    article: Article,
    doc: Document,
) -> tuple[str, ...]:
    """The classifier's ``labels["outcomes"]`` made to agree with the guide, given the record's
    ``design`` and ``finding`` (with the finding's probability ``finding_p``) and the outcomes the
    classifier is unsure of (``unsure_outcomes``)."""
    design, finding = labels["design"], labels["finding"]
    if design == "review" and (
        announces_protocol(doc.title)
        or any(t.lower() in _COMMENTARY_TYPES for t in article.publication_types)
    ):
        return ()  # the guide: protocols and commentaries get an empty list
    found = set(labels["outcomes"])
    if finding == "none" and finding_p >= SURE_NO_RESULT and design not in _TRIALS:
        # no treatment course to outlast, and no effect of one the classifier is sure of
        found -= {"durability"} | ({"efficacy", "safety"} & set(unsure))
    elif "safety" in unsure and _HARMS_REPORTED.search(doc.text):
        found.add("safety")
    if "safety" in unsure and _HARM_NAMED.search(doc.text) is None:
        found.discard("safety")
    if "durability" in unsure and _TIME_AFTER.search(doc.text) is None:
        found.discard("durability")
    kept = tuple(o for o in OUTCOMES if o in found)
    return with_suicidality(kept, doc.title, doc.aim, finding)


def with_suicidality(
    outcomes: tuple[str, ...], title: str, aim: str, finding: str
) -> tuple[str, ...]:
    """``outcomes`` plus ``suicidality`` for a study of an effect that targets it.

    TAXONOMY.md: ``suicidality`` where suicidal ideation or behaviour is itself measured. The
    corpus's labellers gave it to studies of an effect (a trial, a meta-analysis of prevention,
    a drug's risks) whose title or objective names it, never to surveys of who has suicidal
    thoughts; the rule reads it the same way, from the study's own words.
    """
    if "suicidality" in outcomes or finding == "none":
        return outcomes
    if _SUICIDAL.search(title) is None and _SUICIDAL.search(aim) is None:
        return outcomes
    return tuple(o for o in OUTCOMES if o in outcomes or o == "suicidality")
