"""One contract for every appraisal robot, run over every bundled ketamine record."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.article import Article
from labels.appraisal.appraise import ROBOTS, appraise
from labels.appraisal.document import read_article
from labels.appraisal.evaluate import read_study_labels
from labels.appraisal.types import BIAS_DOMAINS, BIAS_LEVELS, COMPARATOR_KINDS, EFFECT_MEASURES
from pubmed.parser import parse_record, split_records

XML = Path(__file__).resolve().parents[1] / "data" / "ketamine" / "ketamine-records.xml"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    with XML.open("rb") as fh:
        found = [a for a in map(parse_record, split_records(fh)) if isinstance(a, Article)]
    assert len(found) > 90
    return found


def _number_in(value: float, sentence: str) -> bool:
    """The figure appears in the sentence as written (so it was read, not computed)."""
    digits = f"{abs(value):g}"
    plain = sentence.replace("·", ".")
    return (
        any(float(m.group(0)) == abs(value) for m in re.finditer(r"\d+(?:\.\d+)?", plain))
        or digits in plain
    )


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_every_answer_carries_a_sentence_of_the_record(articles, name):
    robot = ROBOTS[name]
    study = read_study_labels()  # the seed labels give spin its finding
    answered = 0
    for article in articles:
        lab = study.get(article.pmid, {})
        doc = read_article(article, finding=lab.get("finding"), design=lab.get("design"))
        texts = {s.text for s in doc.sentences} | {doc.title}
        for answer in robot(doc):
            sentence = answer.sentence
            assert sentence is None or sentence in texts, (article.pmid, name)
            answered += sentence is not None
    # None of the bundled ketamine trials spins: their negative conclusions own up to it.
    assert answered > 0 or name == "spin", f"{name} found nothing in {len(articles)} records"


def test_answers_use_only_the_guide_values(articles):
    for article in articles:
        found = appraise(article)
        assert {c.kind for c in found.comparators} <= set(COMPARATOR_KINDS)
        assert [h.domain for h in found.bias_hints] == list(BIAS_DOMAINS)
        assert {h.level for h in found.bias_hints} <= set(BIAS_LEVELS)
        for effect in found.effects:
            assert effect.measure in EFFECT_MEASURES
            assert (effect.estimate is None) != (effect.arm_values is None)
            if effect.ci is not None and effect.estimate is not None:
                assert effect.ci[0] <= effect.estimate <= effect.ci[1], article.pmid
            if effect.measure.endswith("_ratio"):
                assert effect.estimate is not None and effect.estimate > 0


def test_effects_are_stated_numbers_never_computed(articles):
    checked = 0
    for article in articles:
        for effect in appraise(article).effects:
            values = [effect.estimate] if effect.estimate is not None else effect.arm_values
            for value in values or ():
                assert isinstance(value, float) and _number_in(value, effect.sentence), (
                    article.pmid,
                    value,
                )
                checked += 1
    assert checked >= 5


def test_appraisal_json_marks_bias_levels_as_hints(articles):
    found = appraise(articles[0]).to_json()
    json.dumps(found)
    assert found["bias_hints"]["note"].startswith("hints for the reviewer")
    assert [d["domain"] for d in found["bias_hints"]["domains"]] == list(BIAS_DOMAINS)
    assert set(found) == {"pmid", "primary_outcome", "comparator", "effects", "bias_hints", "spin"}
