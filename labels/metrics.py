"""Per-field metrics of predictions against gold labels: per value, goals, calibration, review.

One function, ``field_report``, scores the cross-validation's out-of-fold predictions and the
frozen test split alike, so the two reports have the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from core.article import CONDITIONS, DESIGNS, DRUGS, FINDINGS, OUTCOMES, ROUTES, Article
from labels.calibration import reliability

# (goal name, field, metric, goal): the targets, checked on every report.
GOALS: tuple[tuple[str, str, str, float], ...] = (
    ("conditions", "conditions", "micro_f1", 0.93),
    ("outcomes", "outcomes", "micro_f1", 0.85),
    ("finding", "finding", "accuracy", 0.85),
    ("finding_macro_f1", "finding", "macro_f1", 0.70),
    ("finding_negative_or_mixed_recall", "finding", "negative_or_mixed_recall", 0.75),
    ("design", "design", "macro_f1", 0.85),
    ("design_rct_recall", "design", "rct_recall", 0.97),
    ("design_rct_precision", "design", "rct_precision", 0.85),
    ("design_meta_analysis_f1", "design", "meta_analysis_f1", 0.90),
    ("drug", "drug", "accuracy", 0.95),
    ("routes", "routes", "micro_f1", 0.90),
    ("sample_size", "sample_size", "exact_where_stated", 0.85),
)
MULTI: dict[str, Sequence[str]] = {"conditions": CONDITIONS, "outcomes": OUTCOMES, "routes": ROUTES}
SINGLE: dict[str, Sequence[str]] = {"finding": FINDINGS, "design": DESIGNS, "drug": DRUGS}
FIELDS = ("conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size")


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall, F1 and support from counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "support": tp + fn}


def multi_label_metrics(
    pred: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], names: Sequence[str]
) -> dict[str, Any]:
    """Micro precision/recall/F1, exact-set match and per-label scores."""
    per: dict[str, Any] = {}
    totals = [0, 0, 0]
    for name in names:
        tp = sum(name in p and name in g for p, g in zip(pred, gold, strict=True))
        fp = sum(name in p and name not in g for p, g in zip(pred, gold, strict=True))
        fn = sum(name not in p and name in g for p, g in zip(pred, gold, strict=True))
        per[name] = prf(tp, fp, fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    micro = prf(*totals)
    exact = [set(p) == set(g) for p, g in zip(pred, gold, strict=True)]
    return {
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "exact_match": float(np.mean(exact)) if exact else 0.0,
        "per_label": per,
    }


def single_label_metrics(
    pred: Sequence[str], gold: Sequence[str], names: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1 over the classes present, per-class scores and the confusion matrix."""
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for p, g in zip(pred, gold, strict=True):
        matrix[names.index(g), names.index(p)] += 1
    per = {
        name: prf(
            int(matrix[i, i]),
            int(matrix[:, i].sum() - matrix[i, i]),
            int(matrix[i, :].sum() - matrix[i, i]),
        )
        for i, name in enumerate(names)
    }
    present = [n for n in names if per[n]["support"] > 0]
    return {
        "accuracy": float(np.trace(matrix) / max(1, matrix.sum())),
        "macro_f1": float(np.mean([per[n]["f1"] for n in present])) if present else 0.0,
        "per_class": per,
        "confusion_matrix": {"labels": list(names), "rows_gold_cols_predicted": matrix.tolist()},
    }


def is_correct(name: str, pred: Any, gold: Any) -> bool:
    """Whether one field's answer matches gold (lists as sets)."""
    if name in MULTI:
        return set(pred) == set(gold)
    return bool(pred == gold)


def field_report(preds: Sequence[Article], gold: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-field metrics, calibration of the confidences, the review state, and the goals."""
    out: dict[str, Any] = {"n": len(preds)}
    for name, names in MULTI.items():
        out[name] = multi_label_metrics(
            [getattr(p, name) for p in preds], [g[name] for g in gold], names
        )
    for name, names in SINGLE.items():
        out[name] = single_label_metrics(
            [getattr(p, name) for p in preds], [g[name] for g in gold], names
        )
    _design_extras(out["design"])
    out["finding"]["negative_or_mixed_recall"] = _negative_or_mixed_recall(preds, gold)
    out["sample_size"] = _sample_size_metrics(preds, gold)
    for name in FIELDS:
        conf = [dict(p.confidence).get(name, 0.0) for p in preds]
        right = [
            is_correct(name, getattr(p, name), g[name]) for p, g in zip(preds, gold, strict=True)
        ]
        out[name]["calibration"] = reliability(conf, right)
        out[name]["review"] = _review_summary(name, preds, right)
    out["goals"] = goals(out)
    return out


def _design_extras(design: dict[str, Any]) -> None:
    per = design["per_class"]
    design["rct_recall"] = per["rct"]["recall"]
    design["rct_precision"] = per["rct"]["precision"]
    design["meta_analysis_f1"] = per["meta_analysis"]["f1"]


def _negative_or_mixed_recall(preds: Sequence[Article], gold: Sequence[Mapping[str, Any]]) -> float:
    """Of the studies whose result is negative or mixed, the share not called positive or none."""
    bad = ("negative", "mixed")
    pairs = [(p.finding, g["finding"]) for p, g in zip(preds, gold, strict=True)]
    hits = [p in bad for p, g in pairs if g in bad]
    return float(np.mean(hits)) if hits else 0.0


def _sample_size_metrics(
    preds: Sequence[Article], gold: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    pairs = [(p.sample_size, g["sample_size"]) for p, g in zip(preds, gold, strict=True)]
    stated = [p == g for p, g in pairs if g is not None]
    return {
        "exact_where_stated": float(np.mean(stated)) if stated else 0.0,
        "n_stated": len(stated),
        "exact_all": float(np.mean([p == g for p, g in pairs])) if pairs else 0.0,
        "null_when_none_stated": float(np.mean([p is None for p, g in pairs if g is None]))
        if any(g is None for _, g in pairs)
        else 0.0,
    }


def _review_summary(name: str, preds: Sequence[Article], right: Sequence[bool]) -> dict[str, Any]:
    """How many answers were sent to review, and how often each side was right."""
    flagged = [name in p.needs_review for p in preds]
    sent = [r for r, f in zip(right, flagged, strict=True) if f]
    kept = [r for r, f in zip(right, flagged, strict=True) if not f]
    return {
        "share_flagged": float(np.mean(flagged)) if flagged else 0.0,
        "accuracy_flagged": float(np.mean(sent)) if sent else None,
        "accuracy_not_flagged": float(np.mean(kept)) if kept else None,
    }


def goals(out: Mapping[str, Any]) -> dict[str, Any]:
    """Each goal with its value and whether it is met."""
    table = {}
    for key, name, metric, goal in GOALS:
        value = float(out[name][metric])
        table[key] = {"field": name, "metric": metric, "goal": goal, "value": value}
        table[key]["met"] = value >= goal
    return table
