"""Training: cross-validate on the training part, calibrate, fit, then report the frozen split.

``train_models`` fits every field on the labelled corpus minus the frozen test split, distant
labels (PubMed indexing, PubMedQA answers) and reviewer corrections. Its out-of-fold predictions
choose the multi-label thresholds, fit the confidence calibration and the review thresholds, and
give the cross-validation report; the frozen split is scored once, at the end, and never chose
anything. Deterministic given ``ModelConfig.random_state``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.article import FINDINGS, LABEL_FIELDS, Article
from labels.calibration import apply_curve, fit_curve, review_threshold
from labels.code_digest import labelling_code_digest
from labels.config import MULTI_LABEL, ModelConfig
from labels.corpus import (
    Corpus,
    Correction,
    load_corpus,
    load_distant_articles,
    load_pubmedqa,
    load_seed,
    load_test_pmids,
    source_counts,
    split_corpus,
)
from labels.distant import build_distant_labels
from labels.fitting import VERSION_PREFIX, TrainingData, fit_models, model_version, prepare
from labels.metrics import GOALS, is_correct
from labels.model import Models
from labels.stacking import stack_finding
from labels.validation import (
    OutOfFold,
    evaluate,
    fold_indices,
    out_of_fold,
    prediction_row,
    score,
)

__all__ = [
    "GOALS",
    "MODEL_FILE",
    "VERSION_PREFIX",
    "Correction",
    "TrainingInputs",
    "TrainingReport",
    "build_distant_labels",
    "fold_indices",
    "load_seed",
    "repository_inputs",
    "train_models",
]

MODEL_FILE = "classifier.skops"
THRESHOLD_GRID = np.arange(0.15, 0.86, 0.05)


@dataclass
class TrainingInputs:
    """What a run learns from, and the frozen split it reports on."""

    labelled: Corpus
    distant: list[Article]
    corrections: list[Correction] = field(default_factory=list)
    pubmedqa: list[tuple[Article, str]] = field(default_factory=list)
    test: Corpus | None = None
    test_pmids: frozenset[str] = frozenset()


@dataclass
class TrainingReport:
    """Training data, cross-validation and frozen-split metrics; JSON through ``to_json``."""

    kind: str
    model_version: str | None
    code_digest: str = ""  # the labelling code the version covers (labels.code_digest)
    data: dict[str, Any] = field(default_factory=dict)
    cross_validation: dict[str, Any] = field(default_factory=dict)
    frozen_split: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    folds: list[list[str]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    predictions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the report as plain JSON types."""
        return json.loads(json.dumps(self.__dict__, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray | tuple | frozenset | set):
        return sorted(value) if isinstance(value, frozenset | set) else list(value)
    raise TypeError(type(value).__name__)


def repository_inputs(root: Path) -> TrainingInputs:
    """The inputs the repository ships: the labelled corpus, its frozen split, the PubMed
    samples (distant labels) and PubMedQA's expert answers."""
    test_pmids = load_test_pmids(root / "data/labels/test-split.txt")
    train, test = split_corpus(load_corpus(root), test_pmids)
    # One copy per PMID (the later file's, as the warehouse keeps the newer revision).
    files = sorted((root / "data/pubmed").glob("*.xml.gz"))
    distant = {a.pmid: a for a in load_distant_articles(files)}
    return TrainingInputs(
        labelled=train,
        distant=sorted(distant.values(), key=lambda a: (len(a.pmid), a.pmid)),
        pubmedqa=load_pubmedqa(root / "data/peers/pubmedqa-ori_pqal.json"),
        test=test,
        test_pmids=test_pmids,
    )


def train_models(
    inputs: TrainingInputs, config: ModelConfig | None = None
) -> tuple[Models, TrainingReport]:
    """Fit every field; with ``config.cv_folds`` >= 2, calibrate and report from out-of-fold."""
    config = config or ModelConfig()
    data = prepare(
        inputs.labelled.articles,
        inputs.labelled.labels,
        inputs.distant,
        inputs.corrections,
        config,
        inputs.pubmedqa,
        inputs.test_pmids,
    )
    models = fit_models(data, range(len(data.articles)), config)
    models.code_digest = labelling_code_digest()
    models.version = model_version(data, inputs.corrections, config, models.code_digest)
    report = TrainingReport(
        kind="train",
        model_version=models.version,
        code_digest=models.code_digest,
        data=_data_counts(inputs, data),
        config=config.to_json(),
    )
    if config.cv_folds >= 2:
        oof = out_of_fold(data, config)
        if config.finding_stack:
            stack_finding(models, data.labels, oof)
        _calibrate(models, data, oof, config)
        _cross_validation_report(report, models, data, oof)
    if inputs.test is not None and inputs.test.articles:
        report.frozen_split = evaluate(models, inputs.test.articles, inputs.test.labels)
    report.thresholds = {
        "multi_label": models.thresholds,
        "needs_review": models.review_thresholds,
    }
    return models, report


def _data_counts(inputs: TrainingInputs, data: TrainingData) -> dict[str, Any]:
    """Training rows by source: labelled (seed / agent / adjudicated), correction, distant."""
    corrected = {c.pmid for c in inputs.corrections} - inputs.test_pmids
    qa = sum(1 for lab in data.distant_labels if "_weight" in lab)
    return {
        "labelled_by_source": source_counts(inputs.labelled.sources),
        "labelled": len(data.articles),
        "corrected_records": len(corrected),
        "corrections": sum(1 for c in inputs.corrections if c.pmid not in inputs.test_pmids),
        "distant_indexing": len(data.distant_labels) - qa,
        "distant_pubmedqa": qa,
        "frozen_test": len(inputs.test.articles) if inputs.test else 0,
    }


def _calibrate(models: Models, data: TrainingData, oof: OutOfFold, config: ModelConfig) -> None:
    """Thresholds, confidence curves and review thresholds from out-of-fold predictions."""
    models.thresholds = _tune_thresholds(oof.probs, data.labels, config)
    models.thresholds["finding"] = _finding_weights(oof.probs["finding"], data.labels, config)
    raw = [
        models.labels_from(data.articles, docs, probs, calibrated=False)
        for docs, probs in ((oof.docs, oof.probs), (oof.docs_bare, oof.probs_bare))
    ]
    fields = [f for part in raw for f in part]
    gold = [*data.labels, *data.labels]
    for name in LABEL_FIELDS:
        conf = [dict(f["confidence"])[name] for f in fields]
        right = [is_correct(name, f[name], g[name]) for f, g in zip(fields, gold, strict=True)]
        models.calibration[name] = curve = fit_curve(conf, right)
        calibrated = [apply_curve(curve, c) for c in conf]
        models.review_thresholds[name] = review_threshold(calibrated, right, config.review_accuracy)


def _tune_thresholds(
    probs: Mapping[str, np.ndarray], labels: Sequence[Mapping[str, Any]], config: ModelConfig
) -> dict[str, list[float]]:
    """Per-label thresholds maximising out-of-fold F1, shrunk toward ``config.threshold``."""
    out: dict[str, list[float]] = {}
    for name, names in MULTI_LABEL.items():
        out[name] = []
        for j, label in enumerate(names):
            gold = np.array([label in lab[name] for lab in labels])
            if gold.sum() < 3:
                out[name].append(config.threshold)
                continue
            f1 = [_f1(probs[name][:, j] >= t, gold) for t in THRESHOLD_GRID]
            best = float(THRESHOLD_GRID[int(np.argmax(f1))])
            shrink = config.threshold_shrink
            out[name].append(round(shrink * config.threshold + (1 - shrink) * best, 3))
    return out


WEIGHT_GRID = {
    "positive": (0.8, 0.9, 1.0, 1.1, 1.2),
    "negative": tuple(np.arange(1.0, 6.01, 0.25)),
    "mixed": tuple(np.arange(1.0, 8.01, 0.25)),
}


def _finding_weights(
    probs: np.ndarray, labels: Sequence[Mapping[str, Any]], config: ModelConfig
) -> list[float]:
    """Class weights on finding's probabilities: the out-of-fold best macro-F1 plus
    negative-or-mixed recall whose accuracy stays at ``config.finding_accuracy_floor``."""
    gold = np.array([FINDINGS.index(lab["finding"]) for lab in labels])
    bad = np.isin(gold, (1, 2))
    best, best_score = [1.0, 1.0, 1.0, 1.0], -1.0
    positive = [w for w in WEIGHT_GRID["positive"] if w >= config.finding_positive_weight_min]
    for wp in positive:
        for wn in WEIGHT_GRID["negative"]:
            for wm in WEIGHT_GRID["mixed"]:
                weights = [wp, float(wn), float(wm), 1.0]
                pred = (probs * np.array(weights)[None, :]).argmax(axis=1)
                if np.mean(pred == gold) < config.finding_accuracy_floor:
                    continue
                f1 = [_f1(pred == c, gold == c) for c in range(len(FINDINGS)) if (gold == c).any()]
                recall = float(np.mean(np.isin(pred[bad], (1, 2)))) if bad.any() else 0.0
                value = float(np.mean(f1)) + recall
                if value > best_score + 1e-9:
                    best, best_score = [round(w, 3) for w in weights], value
    return best


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float(np.sum(pred & gold))
    return 2 * tp / max(1.0, float(pred.sum() + gold.sum()))


def _cross_validation_report(
    report: TrainingReport, models: Models, data: TrainingData, oof: OutOfFold
) -> None:
    """Out-of-fold metrics (calibration fitted on these same predictions: see the frozen split)."""
    with_index, preds = score(models, data.articles, data.labels, oof.docs, oof.probs)
    bare, _ = score(models, data.articles, data.labels, oof.docs_bare, oof.probs_bare)
    report.cross_validation = {
        "folds": len(oof.folds),
        "with_indexing": with_index,
        "without_indexing": bare,
    }
    report.folds = [[data.articles[i].pmid for i in f] for f in oof.folds]
    report.predictions = [prediction_row(p) for p in preds]


def corrections_from(rows: Iterable[tuple[str, str, Any]]) -> list[Correction]:
    """Reviewer corrections as training reads them."""
    return [Correction(pmid, name, value) for pmid, name, value in rows]
