"""Calibrated confidences and the "needs review" state, both fitted on out-of-fold predictions.

A field's raw confidence (the classifier's top probability, or a rule's own certainty) is
mapped through an isotonic fit of how often out-of-fold answers at that confidence were right,
so 0.8 means about four in five are right. A field needs review where its calibrated confidence
falls below the point under which out-of-fold accuracy drops below ``review_accuracy``.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.isotonic import IsotonicRegression

Curve = tuple[tuple[float, ...], tuple[float, ...]]
MIN_WINDOW = 15  # fewest out-of-fold answers a confidence window needs to count
WINDOW = 0.1


def fit_curve(confidence: Sequence[float], correct: Sequence[bool]) -> Curve:
    """The isotonic map from raw confidence to the share of right answers."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float))
    xs = tuple(round(float(x), 6) for x in iso.X_thresholds_)
    ys = tuple(round(float(y), 6) for y in iso.y_thresholds_)
    return xs, ys


def apply_curve(curve: Curve | None, value: float) -> float:
    """Calibrate one confidence (plain Python: called per record on the classify hot path)."""
    if not curve or not curve[0]:
        return value
    xs, ys = curve
    if value <= xs[0]:
        return ys[0]
    if value >= xs[-1]:
        return ys[-1]
    j = bisect.bisect_right(xs, value)
    x0, x1, y0, y1 = xs[j - 1], xs[j], ys[j - 1], ys[j]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (value - x0) / (x1 - x0)


def review_threshold(
    confidence: Sequence[float], correct: Sequence[bool], accuracy: float
) -> float:
    """The lowest confidence from which every window of answers above is right often enough.

    Windows of width ``WINDOW`` over the calibrated confidences, each with ``MIN_WINDOW``
    answers at least; the threshold is just above the highest window whose accuracy is under
    ``accuracy`` (0 when none is).
    """
    conf = np.asarray(confidence, dtype=float)
    right = np.asarray(correct, dtype=float)
    threshold = 0.0
    for lo in np.arange(0.0, 1.0, 0.05):
        mask = (conf >= lo) & (conf < lo + WINDOW)
        if mask.sum() >= MIN_WINDOW and right[mask].mean() < accuracy:
            threshold = float(min(1.0, lo + WINDOW))
    return round(threshold, 3)


def reliability(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> dict:
    """Brier score and reliability bins (mean confidence against accuracy) of the answers."""
    conf = np.asarray(confidence, dtype=float)
    right = np.asarray(correct, dtype=float)
    table = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if mask.any():
            table.append(
                {
                    "bin": [lo, hi],
                    "count": int(mask.sum()),
                    "mean_confidence": float(conf[mask].mean()),
                    "accuracy": float(right[mask].mean()),
                }
            )
    brier = float(np.mean((conf - right) ** 2)) if len(conf) else 0.0
    return {"brier": brier, "reliability": table}


def flagged(confidence: Mapping[str, float], thresholds: Mapping[str, float]) -> tuple[str, ...]:
    """The fields whose confidence is below their review threshold, in the given order."""
    return tuple(k for k, v in confidence.items() if v < thresholds.get(k, 0.0))
