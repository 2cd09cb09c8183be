"""The condition-name features: every name a record states is found, and read where it stands."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from core.article import Article
from labels.cue_patterns import CONDITION_NAMES, CONDITION_STEMS
from labels.features import CUE_NAMES, _condition_names, document

DATA = Path(__file__).resolve().parent.parent / "data" / "labels"


def _records() -> list[dict[str, str]]:
    with gzip.open(DATA / "corpus-records.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_every_name_found_in_the_corpus_holds_one_of_its_stems() -> None:
    """The stems only skip work: over every labelled record, nothing a pattern finds is lost."""
    patterns = [(c, re.compile(p)) for c, p in CONDITION_NAMES]
    found = 0
    for record in _records():
        doc = document(
            Article(
                pmid=record["pmid"],
                title=record.get("title") or "",
                abstract=record.get("abstract") or "",
            )
        )
        for condition, rx in patterns:
            if rx.search(doc.text):
                found += 1
                assert any(s in doc.text for s in CONDITION_STEMS[condition]), (
                    condition,
                    doc.title,
                )
    assert found > 500  # the check ran over real names, not an empty corpus


@pytest.mark.parametrize(
    ("title", "abstract", "condition", "views"),
    [
        (
            "Physical activity in the treatment of fibromyalgia.",
            "Exercise helps.",
            "chronic_pain",
            {"title", "text"},
        ),
        (
            "Botulinum toxin A in ischaemic vasospasm.",
            "Refractory hand pain fell in 20 patients.",
            "chronic_pain",
            {"text", "conclusion"},
        ),
        (
            "Tension-type headache and microcurrent stimulation.",
            "A sham-controlled trial.",
            "chronic_pain",
            {"title", "text"},
        ),
        (
            "Esketamine nasal spray.",
            "Objective: to test esketamine in treatment-resistant depression. Methods: 200 adults.",
            "depression",
            {"text", "aim"},
        ),
        (
            "Respiratory depression after ketamine sedation.",
            "Sixty children were sedated.",
            "depression",
            set(),
        ),
        (
            "Ketamine in social anxiety disorder.",
            "A crossover trial.",
            "anxiety",
            {"title", "text"},
        ),
    ],
)
def test_a_condition_is_read_in_the_views_that_name_it(
    title: str, abstract: str, condition: str, views: set[str]
) -> None:
    doc = document(Article(pmid="1", title=title, abstract=abstract))
    row = _condition_names([doc], 1.0).toarray()[0]
    names = CUE_NAMES["condition_names"]
    named = {
        n.removeprefix(f"{condition}_")
        for n, v in zip(names, row, strict=True)
        if n.startswith(f"{condition}_") and v > 0
    }
    assert named == views
