"""The training report as text for a terminal: held-out metrics, confusion matrices, calibration.

Reads the JSON shape ``labels.training`` writes (``TrainingReport.to_json``), so the same
function prints a fresh report and one stored in the warehouse's ``model_versions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_SINGLE = ("finding", "design", "drug")
_MULTI = ("conditions", "outcomes", "routes")


def format_training_report(train: Mapping[str, Any], cv: Mapping[str, Any] | None) -> str:
    """Plain text: which version, on what data, and how it scored on data it never saw."""
    lines = [
        f"Model version {train.get('model_version')}",
        f"  trained on {train.get('n_seed', 0):,} seed labels and "
        f"{train.get('n_distant', 0):,} distant labels from PubMed indexing",
    ]
    if not cv:
        lines.append("  (no cross-validation in this run: held-out metrics not computed)")
        return "\n".join(lines) + "\n"
    fields = cv.get("fields", {})
    lines += [
        "",
        f"Held-out metrics: {len(cv.get('folds', []))}-fold cross-validation over the "
        f"{cv.get('n_seed', 0):,} seed labels (no record is scored by a model trained on it)",
        "",
        _goals_table(fields.get("goals", {})),
    ]
    for name in _MULTI:
        if name in fields:
            lines += ["", f"{name}: per label", _per_label_table(fields[name]["per_label"])]
    for name in _SINGLE:
        if name in fields and "confusion_matrix" in fields[name]:
            lines += ["", f"{name}: confusion matrix (rows gold, columns predicted)"]
            lines.append(_confusion_table(fields[name]["confusion_matrix"]))
    calibrated = [n for n in (*_MULTI, *_SINGLE) if "calibration" in fields.get(n, {})]
    if calibrated:
        lines += ["", "Calibration: Brier score, and accuracy per confidence bin (count)"]
        lines += [_calibration_line(n, fields[n]["calibration"]) for n in calibrated]
    return "\n".join(lines) + "\n"


def _goals_table(goals: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [("field", "metric", "value", "goal", "met")]
    for name, g in goals.items():
        met = "yes" if g.get("met") else "no"
        rows.append((name, g["metric"], f"{g['value']:.3f}", f"{g['goal']:.2f}", met))
    return _table(rows)


def _per_label_table(per_label: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [("label", "precision", "recall", "F1", "support")]
    for label, m in per_label.items():
        rows.append(
            (
                label,
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{m['f1']:.3f}",
                str(m["support"]),
            )
        )
    return _table(rows)


def _confusion_table(matrix: Mapping[str, Any]) -> str:
    labels: Sequence[str] = matrix["labels"]
    short = [label[:8] for label in labels]
    rows = [("gold \\ predicted", *short)]
    for label, counts in zip(labels, matrix["rows_gold_cols_predicted"], strict=True):
        rows.append((label, *(str(c) for c in counts)))
    return _table(rows)


def _calibration_line(name: str, calibration: Mapping[str, Any]) -> str:
    bins = " ".join(
        f"{b['bin'][0]:.1f}-{b['bin'][1]:.1f}: {b['accuracy']:.2f} ({b['count']})"
        for b in calibration.get("reliability", [])
    )
    return f"  {name:<11} Brier {calibration['brier']:.3f}   {bins}"


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  "
        + "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )
