"""Run every appraisal robot over one record and gather their answers into an Appraisal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from core.article import Article
from labels.appraisal import bias, comparators, effects, outcomes, spin
from labels.appraisal.document import Doc, read_article
from labels.appraisal.types import Appraisal

# One module per robot, each with the same interface: ``annotate(doc) -> tuple[answer, ...]``,
# every answer carrying the sentence it came from (RobotReviewer's shape).
ROBOTS: dict[str, Callable[[Doc], Sequence[Any]]] = {
    "primary_outcome": outcomes.annotate,
    "comparators": comparators.annotate,
    "effects": effects.annotate,
    "bias_hints": bias.annotate,
    "spin": spin.annotate,
}


def appraise(article: Article, finding: str | None = None, design: str | None = None) -> Appraisal:
    """Appraise a trial or meta-analysis abstract; ``finding``/``design`` override its labels."""
    doc = read_article(article, finding=finding, design=design)
    answers = {name: tuple(robot(doc)) for name, robot in ROBOTS.items()}
    return Appraisal(
        pmid=article.pmid,
        primary_outcome=answers["primary_outcome"][0] if answers["primary_outcome"] else None,
        comparators=answers["comparators"],
        effects=answers["effects"],
        bias_hints=answers["bias_hints"],
        spin=answers["spin"][0] if answers["spin"] else None,
    )
