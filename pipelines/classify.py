"""The training flow that the weekly deployment runs: gather, fit, report, save, relabel.

Each task calls one library function (``labels.retrain``, ``labels.training``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from core.settings import PROJECT_DIR, Settings
from labels.config import ModelConfig
from labels.model import DEFAULT_MODEL_PATH, Models, load_models
from labels.retrain import (
    REPORT_FILE,
    TrainingOutcome,
    gather_inputs,
    previous_report,
    record_version,
    relabel_warehouse,
    save_models,
    without_predictions,
)
from labels.training import TrainingInputs, TrainingReport, train_models


@task(cache_policy=NONE)
def gather_training_inputs(root: Path, db_path: Path | None) -> TrainingInputs:
    """Repository data, plus the warehouse's records and reviewers' corrections if it exists."""
    return gather_inputs(root, db_path)


@task(cache_policy=NONE)
def fit_models(inputs: TrainingInputs, cv: bool) -> tuple[Models, TrainingReport]:
    """Cross-validate and calibrate on the training part, fit on all of it, score the split."""
    config = ModelConfig() if cv else ModelConfig(cv_folds=0)
    return train_models(inputs, config)


@task(cache_policy=NONE)
def save_models_task(models: Models, out_dir: Path, reports: Mapping[str, Any]) -> Path:
    """Write the models (skops) and the JSON reports beside them."""
    return save_models(models, out_dir, reports)


@task(retries=3, retry_delay_seconds=60, cache_policy=NONE)
def store_model_version(db_path: Path, version: str, report: Mapping[str, Any]) -> None:
    """Record the version and its report in the warehouse (waits out a nightly writer)."""
    record_version(db_path, version, report)


@task(retries=3, retry_delay_seconds=60, cache_policy=NONE)
def relabel_stale(db_path: Path, model_path: Path) -> int:
    """Bring the warehouse's labels to the model the nightly job now uses."""
    return relabel_warehouse(db_path, load_models(model_path))


@flow(name="train")
def train_flow(
    db_path: str | None = None, models_dir: str | None = None, cv: bool = True
) -> TrainingOutcome:
    """Retrain every field from the repository's data and the warehouse, and record the result.

    ``cv=False`` skips cross-validation, and with it calibration and review thresholds: a quick
    fit for trying things, not the shipped models.
    """
    logger = get_run_logger()
    settings = Settings.from_env(db_path=Path(db_path) if db_path else None)
    out_dir = Path(models_dir) if models_dir else DEFAULT_MODEL_PATH.parent
    inputs = gather_training_inputs(PROJECT_DIR, settings.db_path)
    logger.info(
        "training on %d labelled records, %d PubMed records, %d reviewer corrections",
        len(inputs.labelled.articles),
        len(inputs.distant),
        len(inputs.corrections),
    )
    models, report = fit_models(inputs, cv)
    summary = without_predictions(report.to_json())
    before = previous_report(out_dir, models.version)
    path = save_models_task(models, out_dir, {REPORT_FILE: summary})
    stored = settings.db_path.exists()
    if stored:
        store_model_version(settings.db_path, models.version, summary)
        if path.resolve() == DEFAULT_MODEL_PATH.resolve():  # the models the nightly job uses
            relabelled = relabel_stale(settings.db_path, path)
            logger.info("relabelled %d stored records with %s", relabelled, models.version)
    logger.info("model %s saved to %s", models.version, path)
    return TrainingOutcome(models.version, path, summary, before, stored)
