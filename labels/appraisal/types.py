"""The answers the appraisal robots give: each carries the sentence it came from.

The shapes mirror the labelling template of ``docs/appraisal-labelling-guide.md`` so a rule's
answer and a labeller's answer can be scored against each other field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMPARATOR_KINDS = ("placebo", "active_placebo", "active", "usual_care", "none")
EFFECT_MEASURES = (
    "response_rate",
    "remission_rate",
    "mean_difference",
    "smd",
    "odds_ratio",
    "risk_ratio",
    "hazard_ratio",
)
BIAS_DOMAINS = (
    "randomisation",
    "concealment",
    "blinding_participants",
    "blinding_assessors",
    "active_placebo",
    "itt",
    "registration",
    "attrition",
)
BIAS_LEVELS = ("low", "unclear", "high")

ArmValue = float | str  # a stated percentage, or a stated count "n/N" (never converted)


@dataclass(frozen=True, slots=True)
class PrimaryOutcome:
    """The outcome the abstract designates as primary, and when it was assessed."""

    measure: str
    time_point: str | None
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "time_point": self.time_point, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class Comparator:
    """One kind of control condition, with the words that named it."""

    kind: str
    phrase: str
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "phrase": self.phrase, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class Effect:
    """An effect exactly as stated: a between-arm or pooled estimate, or per-arm rates."""

    measure: str
    sentence: str
    estimate: float | None = None
    arm_values: tuple[ArmValue, ...] | None = None
    ci: tuple[float, float] | None = None
    p: str | None = None
    outcome: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "outcome": self.outcome,
            "estimate": self.estimate,
            "arm_values": None if self.arm_values is None else list(self.arm_values),
            "ci": None if self.ci is None else list(self.ci),
            "p": self.p,
            "sentence": self.sentence,
        }


@dataclass(frozen=True, slots=True)
class BiasHint:
    """A risk-of-bias hint for the reviewer: a level read off the abstract, not a judgement.

    ``sentence`` is None when the level is ``unclear`` because the abstract says nothing.
    """

    domain: str
    level: str
    reason: str
    sentence: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "level": self.level,
            "reason": self.reason,
            "sentence": self.sentence,
        }


@dataclass(frozen=True, slots=True)
class SpinFlag:
    """A trial that missed its primary endpoint whose conclusion still reads favourable."""

    reason: str
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class Appraisal:
    """Everything the robots found in one record, for the reviewer to weigh."""

    pmid: str
    primary_outcome: PrimaryOutcome | None
    comparators: tuple[Comparator, ...]
    effects: tuple[Effect, ...]
    bias_hints: tuple[BiasHint, ...]
    spin: SpinFlag | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the bias levels are marked as hints, never as an assessment."""
        return {
            "pmid": self.pmid,
            "primary_outcome": None
            if self.primary_outcome is None
            else self.primary_outcome.to_json(),
            "comparator": [c.to_json() for c in self.comparators],
            "effects": [e.to_json() for e in self.effects],
            "bias_hints": {
                "note": "hints for the reviewer, read from the abstract only",
                "domains": [h.to_json() for h in self.bias_hints],
            },
            "spin": None if self.spin is None else self.spin.to_json(),
        }
