"""The vocabulary cues count a topic's words, not longer words that happen to hold them.

A cue is matched against every term of a fitted vocabulary, so a stem like "panic" or "trial"
also picks up "hispanic" and "atrial fibrillation" unless the pattern says where a word starts.
"""

from __future__ import annotations

import re

import pytest

from labels.cue_patterns import CUES, FINDING_CUES, TOPICS
from labels.text import named_conditions

PATTERNS = {name: pattern for name, pattern in TOPICS} | {
    name: pattern for name, _view, pattern in (*CUES, *FINDING_CUES)
}


def counts(cue: str, term: str) -> bool:
    return re.search(PATTERNS[cue], term) is not None


@pytest.mark.parametrize(
    ("cue", "kept", "not_counted"),
    [
        (
            "anxiety",
            ["anxiety", "panic", "panic disorder", "agoraphobia", "social phobia", "phobic"],
            [
                "hispanic",
                "non-hispanic white",
                "tympanic membrane",
                "hydrophobic",
                "porphobilinogen",
            ],
        ),
        (
            "safety",
            ["harm", "self-harm", "cystitis", "neurotoxicity", "adverse"],
            ["pharmacokinetics", "pharmacy", "network pharmacology", "cholecystitis"],
        ),
        ("efficacy", ["score", "scores", "reduced", "symptoms"], ["underscores", "reductase"]),
        (
            "intervention",
            ["trial", "clinicaltrials gov", "treatment", "pretreatment", "chemotherapy"],
            ["atrial fibrillation", "endometrial cancer", "industrial", "maltreatment"],
        ),
        ("mechanism", ["gaba", "gabaergic", "receptor"], ["gabapentin"]),
        ("qualitative", ["thematic", "thematic analysis"], ["mathematical"]),
        ("positive", ["effective", "cost-effective", "improved"], ["ineffective"]),
        (
            "a_random",
            ["randomized", "randomised", "randomly assigned"],
            ["nonrandomized", "non-randomized", "randomly selected"],
        ),
        ("t_rct", ["randomized", "double-blind"], ["non-randomised"]),
    ],
)
def test_a_cue_counts_its_words_and_not_longer_words_holding_them(
    cue: str, kept: list[str], not_counted: list[str]
) -> None:
    assert [t for t in kept if not counts(cue, t)] == []
    assert [t for t in not_counted if counts(cue, t)] == []


def test_an_anxiety_the_text_only_spells_inside_another_word_is_dropped() -> None:
    text = "depressive symptoms in hispanic women after tympanic membrane surgery"
    assert named_conditions(text, ("depression", "anxiety")) == ("depression",)
    assert named_conditions("panic attacks in hispanic women", ("anxiety",)) == ("anxiety",)
