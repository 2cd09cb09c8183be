"""Precision, recall and Cohen's kappa, small enough to read at a glance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """Precision, recall and F1 from counts (1.0 when there was nothing to find or claim)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "gold": tp + fn,
    }


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters; None when chance agreement is total (one value only)."""
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def agreement(a: Sequence[str], b: Sequence[str]) -> dict[str, Any]:
    """Share of equal answers, kappa, n, and how often the second rater chose its commonest value.

    The last figure is the agreement a rule answering that one value always would reach, so a
    high agreement can be read against it.
    """
    n = len(a)
    same = sum(x == y for x, y in zip(a, b, strict=True))
    commonest = Counter(b).most_common(1)[0][1] / n if n else 0.0
    return {
        "agreement": same / n if n else 0.0,
        "kappa": cohen_kappa(a, b),
        "n": n,
        "majority": commonest,
    }
