"""The training report as text for a terminal: frozen-split and cross-validation metrics per
field and per value, how the frozen-split figures moved against the model before, calibration
and the review state.

Reads the JSON shape ``labels.training`` writes (``TrainingReport.to_json``), so the same
function prints a fresh report and one stored in the warehouse's ``model_versions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_SINGLE = ("finding", "design", "drug")
_MULTI = ("conditions", "outcomes", "routes")
FIELDS = ("conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size")


def format_training_report(
    report: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> str:
    """Plain text: which version, on what data, and how it scored on data it never saw."""
    data = report.get("data", {})
    by_source = ", ".join(f"{k} {v:,}" for k, v in data.get("labelled_by_source", {}).items())
    lines = [
        f"Model version {report.get('model_version')}",
        f"  trained on {data.get('labelled', 0):,} labelled records ({by_source}), "
        f"{data.get('corrections', 0):,} reviewer corrections, "
        f"{data.get('distant_indexing', 0):,} distant labels from PubMed indexing and "
        f"{data.get('distant_pubmedqa', 0):,} PubMedQA answers",
    ]
    frozen = report.get("frozen_split") or {}
    if frozen:
        lines += ["", frozen_table(report, previous), ""]
        lines += per_value_sections(frozen["with_indexing"])
    cv = report.get("cross_validation") or {}
    if cv:
        lines += ["", cv_table(cv)]
    else:
        lines.append("  (no cross-validation in this run: confidences are not calibrated)")
    return "\n".join(lines) + "\n"


def frozen_table(report: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    """Goals on the frozen split, with and without indexing, and the change since before."""
    frozen = report["frozen_split"]
    n = frozen["with_indexing"].get("n", 0)
    before = (previous or {}).get("frozen_split", {}).get("with_indexing", {}).get("goals", {})
    label = (previous or {}).get("model_version") or "none"
    rows = [("goal", "metric", "value", "no index", "goal", "met", f"before ({label})", "change")]
    bare = frozen["without_indexing"]["goals"]
    for key, g in frozen["with_indexing"]["goals"].items():
        old = before.get(key, {}).get("value")
        rows.append(
            (
                key,
                g["metric"],
                f"{g['value']:.3f}",
                f"{bare[key]['value']:.3f}",
                f"{g['goal']:.2f}",
                "yes" if g["met"] else "no",
                "—" if old is None else f"{old:.3f}",
                "—" if old is None else f"{g['value'] - old:+.3f}",
            )
        )
    head = f"Frozen test split: {n} records never trained or tuned on"
    return head + "\n" + table(rows)


def cv_table(cv: Mapping[str, Any]) -> str:
    """Out-of-fold goals on the training part, with and without indexing."""
    rows = [("goal", "metric", "value", "no index", "goal")]
    bare = cv["without_indexing"]["goals"]
    for key, g in cv["with_indexing"]["goals"].items():
        value, without = f"{g['value']:.3f}", f"{bare[key]['value']:.3f}"
        rows.append((key, g["metric"], value, without, f"{g['goal']:.2f}"))
    n = cv["with_indexing"].get("n", 0)
    head = (
        f"Cross-validation: {cv.get('folds')} folds over the {n:,} training records "
        "(each scored by a model that never saw it; thresholds and calibration were fitted "
        "on these same out-of-fold predictions)"
    )
    return head + "\n" + table(rows)


def per_value_sections(fields: Mapping[str, Any]) -> list[str]:
    """Per-label and per-class tables, confusion matrices, calibration and review."""
    lines: list[str] = []
    for name in _MULTI:
        lines += [f"{name}: per label", _per_value_table(fields[name]["per_label"]), ""]
    for name in _SINGLE:
        lines += [f"{name}: per class", _per_value_table(fields[name]["per_class"])]
        lines += ["  confusion matrix (rows gold, columns predicted)"]
        lines += [_confusion_table(fields[name]["confusion_matrix"]), ""]
    ss = fields["sample_size"]
    lines.append(
        f"sample_size: exact where stated {ss['exact_where_stated']:.3f} "
        f"({ss['n_stated']} stated), exact overall {ss['exact_all']:.3f}"
    )
    lines += ["", "Calibration of the confidences: Brier, and accuracy per confidence bin (count)"]
    lines += [_calibration_line(n, fields[n]["calibration"]) for n in FIELDS]
    lines += ["", "Needs review: share of records flagged, accuracy flagged / not flagged"]
    lines += [_review_line(n, fields[n]["review"]) for n in FIELDS]
    return lines


def _per_value_table(per: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [("value", "precision", "recall", "F1", "support")]
    for label, m in per.items():
        rows.append(
            (
                label,
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{m['f1']:.3f}",
                str(m["support"]),
            )
        )
    return table(rows)


def _confusion_table(matrix: Mapping[str, Any]) -> str:
    labels: Sequence[str] = matrix["labels"]
    rows = [("gold \\ predicted", *(label[:8] for label in labels))]
    for label, counts in zip(labels, matrix["rows_gold_cols_predicted"], strict=True):
        rows.append((label, *(str(c) for c in counts)))
    return table(rows)


def _calibration_line(name: str, calibration: Mapping[str, Any]) -> str:
    bins = " ".join(
        f"{b['bin'][0]:.1f}-{b['bin'][1]:.1f}: {b['accuracy']:.2f} ({b['count']})"
        for b in calibration.get("reliability", [])
    )
    return f"  {name:<11} Brier {calibration['brier']:.3f}   {bins}"


def _review_line(name: str, review: Mapping[str, Any]) -> str:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.2f}"

    return (
        f"  {name:<11} flagged {review['share_flagged']:.1%}   accuracy flagged "
        f"{pct(review['accuracy_flagged'])} / not flagged {pct(review['accuracy_not_flagged'])}"
    )


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as an aligned plain-text table (first column left, others right)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  "
        + "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )
