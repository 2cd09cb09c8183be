"""A retraining run's inputs and outputs: what it learns from, where it saves, what it relabels.

The fitting itself is ``labels.training``; this module gathers its inputs from the repository
and the warehouse, saves the models and reports (keeping the report of the model before, to
compare), and brings stored labels to the new version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.article import Article
from labels.model import Models
from labels.shipped import shipped_models
from labels.training import MODEL_FILE, Correction, TrainingInputs, repository_inputs
from warehouse.db import Warehouse
from warehouse.inbox import merge_inbox


@dataclass
class TrainingOutcome:
    """The new version, where its models were saved, its report and the one it replaced."""

    version: str
    model_path: Path
    report: dict[str, Any]
    previous_report: dict[str, Any] | None
    stored: bool


REPORT_FILE = "training-report.json"
PREVIOUS_FILE = "previous-report.json"  # the report of the model before, to compare against


def combine_training_inputs(
    inputs: TrainingInputs,
    warehouse_articles: Iterable[Article],
    corrections: Iterable[tuple[str, str, Any]],
) -> TrainingInputs:
    """Add the warehouse's records (newer copies win) and reviewers' corrections."""
    distant = {a.pmid: a for a in inputs.distant}
    distant.update((a.pmid, a) for a in warehouse_articles if not a.deleted and a.abstract)
    inputs.distant = sorted(distant.values(), key=lambda a: (len(a.pmid), a.pmid))
    inputs.corrections = [Correction(pmid, name, value) for pmid, name, value in corrections]
    return inputs


def gather_inputs(root: Path, db_path: Path | None) -> TrainingInputs:
    """Repository data, plus the warehouse's records and reviewers' corrections if it exists."""
    inputs = repository_inputs(root)
    articles: list[Article] = []
    corrections: list[tuple[str, str, Any]] = []
    if db_path is not None and db_path.exists():
        merge_inbox(db_path)
        with Warehouse.open(db_path, read_only=True) as wh:
            articles = wh.articles()
            corrections = wh.training_corrections()
    return combine_training_inputs(inputs, articles, corrections)


def previous_report(out_dir: Path, version: str) -> dict[str, Any] | None:
    """The report to compare a new version with: the one in ``out_dir`` if it is another
    version's, else the one that version replaced."""
    for name in (REPORT_FILE, PREVIOUS_FILE):
        path = out_dir / name
        if path.exists():
            report = json.loads(path.read_text("utf-8"))
            if report.get("model_version") != version:
                return dict(report)
    return None


def save_models(models: Models, out_dir: Path, reports: Mapping[str, Any]) -> Path:
    """Write the models (skops) and the JSON reports beside them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    models.save(path)
    shipped = out_dir / REPORT_FILE
    if shipped.exists() and json.loads(shipped.read_text("utf-8")).get("model_version") not in (
        None,
        models.version,
    ):
        (out_dir / PREVIOUS_FILE).write_text(shipped.read_text("utf-8"), encoding="utf-8")
    for name, report in reports.items():
        (out_dir / name).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    shipped_models.cache_clear()
    return path


def record_version(db_path: Path, version: str, report: Mapping[str, Any]) -> None:
    """Record the version and its report in the warehouse (waits out a nightly writer)."""
    with Warehouse.open(db_path) as wh:
        wh.record_model_version(version, datetime.now(UTC).replace(tzinfo=None), report)
        wh.publish_snapshot()


RELABEL_BATCH = 2000


def relabel_warehouse(db_path: Path, models: Models, n_jobs: int = 1) -> int:
    """Label every live record that another model version labelled, in batches.

    Reviewer corrections are stored apart and still win; only the model's own labels change.
    """
    with Warehouse.open(db_path) as wh:
        stale = wh.stale_label_pmids(models.version or "")
        done = 0
        for start in range(0, len(stale), RELABEL_BATCH):
            batch = wh.articles(stale[start : start + RELABEL_BATCH])
            done += wh.relabel(models.predict(batch, n_jobs=n_jobs))
        if done:
            wh.publish_snapshot()
    return done


def without_predictions(report: Mapping[str, Any]) -> dict[str, Any]:
    """The stored report keeps metrics, not every held-out prediction."""
    return {k: v for k, v in report.items() if k != "predictions"}
