"""Classification in the pipeline: the shipped models applied to a batch, and retraining.

The models themselves are pure (``pipelines.model``, ``pipelines.training``); this module finds
and caches them, and orchestrates the training flow that the weekly deployment runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from dashboards.corrections import merge_pending_corrections
from pipelines.article import Article
from pipelines.model import DEFAULT_MODEL_PATH, Models, load_models
from pipelines.settings import PROJECT_DIR, Settings
from pipelines.training import (
    MODEL_FILE,
    Correction,
    TrainingReport,
    cross_validate,
    repository_inputs,
    train_models,
)
from warehouse.db import Warehouse


@lru_cache(maxsize=2)
def shipped_models(path: Path = DEFAULT_MODEL_PATH) -> Models:
    """Load the models once per process: a skops load takes about a second."""
    return load_models(path)


def classify_articles(
    articles: Sequence[Article], path: Path = DEFAULT_MODEL_PATH, n_jobs: int = 1
) -> list[Article]:
    """Fill every taxonomy field, its confidence and the model version."""
    if not articles:
        return []
    return shipped_models(path).predict(articles, n_jobs=n_jobs)


# ---------------------------------------------------------------------------------------------
# Retraining: a flow with a weekly deployment, and the `train` command


@dataclass
class TrainingInputs:
    """What a training run learns from: seed labels, PubMed indexing and reviewers' labels."""

    seed: list[Article]
    labels: list[dict[str, Any]]
    distant: list[Article]
    corrections: list[Correction] = field(default_factory=list)


@dataclass
class TrainingOutcome:
    """The new version, where its models were saved, and its reports (JSON shapes)."""

    version: str
    model_path: Path
    report: dict[str, Any]
    cv_report: dict[str, Any] | None
    stored: bool


def combine_training_inputs(
    seed: list[Article],
    labels: list[dict[str, Any]],
    repository_distant: Iterable[Article],
    warehouse_articles: Iterable[Article],
    corrections: Iterable[tuple[str, str, Any]],
) -> TrainingInputs:
    """Add the warehouse's records to the bundled ones (the warehouse's copy is newer)."""
    distant = {a.pmid: a for a in repository_distant}
    distant.update((a.pmid, a) for a in warehouse_articles if not a.deleted and a.abstract)
    return TrainingInputs(
        seed=seed,
        labels=labels,
        distant=sorted(distant.values(), key=lambda a: (len(a.pmid), a.pmid)),
        corrections=[Correction(pmid, name, value) for pmid, name, value in corrections],
    )


@task(cache_policy=NONE)
def gather_training_inputs(root: Path, db_path: Path | None) -> TrainingInputs:
    """Repository data, plus the warehouse's records and reviewers' corrections if it exists."""
    seed, labels, distant = repository_inputs(root)
    articles: list[Article] = []
    corrections: list[tuple[str, str, Any]] = []
    if db_path is not None and db_path.exists():
        merge_pending_corrections(db_path)
        with Warehouse.open(db_path, read_only=True) as wh:
            articles = wh.articles()
            corrections = wh.training_corrections()
    return combine_training_inputs(seed, labels, distant, articles, corrections)


@task(cache_policy=NONE)
def fit_models(inputs: TrainingInputs) -> tuple[Models, TrainingReport]:
    """Fit every field on all the inputs."""
    return train_models(inputs.seed, inputs.labels, inputs.distant, inputs.corrections)


@task(cache_policy=NONE)
def held_out_report(inputs: TrainingInputs) -> TrainingReport:
    """Cross-validate over the seed labels: metrics only from records a fold never saw."""
    return cross_validate(inputs.seed, inputs.labels, inputs.distant, inputs.corrections)


@task(cache_policy=NONE)
def save_models(models: Models, out_dir: Path, reports: Mapping[str, Any]) -> Path:
    """Write the models (skops) and the JSON reports beside them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    models.save(path)
    for name, report in reports.items():
        (out_dir / name).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    shipped_models.cache_clear()
    return path


@task(retries=3, retry_delay_seconds=60, cache_policy=NONE)
def store_model_version(db_path: Path, version: str, report: Mapping[str, Any]) -> None:
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


@task(retries=3, retry_delay_seconds=60, cache_policy=NONE)
def relabel_stale(db_path: Path, model_path: Path) -> int:
    """Bring the warehouse's labels to the model the nightly job now uses."""
    return relabel_warehouse(db_path, load_models(model_path))


@flow(name="train")
def train_flow(
    db_path: str | None = None, models_dir: str | None = None, cv: bool = True
) -> TrainingOutcome:
    """Retrain every field from the repository's data and the warehouse, and record the result."""
    logger = get_run_logger()
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    out_dir = Path(models_dir) if models_dir else DEFAULT_MODEL_PATH.parent
    inputs = gather_training_inputs(PROJECT_DIR, settings.db_path)
    logger.info(
        "training on %d seed labels, %d PubMed records, %d reviewer corrections",
        len(inputs.seed),
        len(inputs.distant),
        len(inputs.corrections),
    )
    models, report = fit_models(inputs)
    cv_report = held_out_report(inputs).to_json() if cv else None
    train_json = report.to_json()
    reports = {"training-report.json": train_json}
    if cv_report is not None:
        cv_report["model_version"] = models.version
        reports["cv-report.json"] = cv_report
    path = save_models(models, out_dir, reports)
    stored = settings.db_path.exists()
    if stored:
        summary = {**train_json, "cross_validation": _without_predictions(cv_report)}
        store_model_version(settings.db_path, models.version, summary)
        if path.resolve() == DEFAULT_MODEL_PATH.resolve():  # the models the nightly job uses
            relabelled = relabel_stale(settings.db_path, path)
            logger.info("relabelled %d stored records with %s", relabelled, models.version)
    logger.info("model %s saved to %s", models.version, path)
    return TrainingOutcome(models.version, path, train_json, cv_report, stored)


def _without_predictions(cv_report: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored report keeps metrics, not every held-out prediction."""
    if cv_report is None:
        return None
    return {k: v for k, v in cv_report.items() if k != "predictions"}
