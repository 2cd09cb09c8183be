"""Cross-validation on the training part, and scoring on records no model saw.

Each labelled record is scored once, by the fold model that did not train on it, both as the
record stands and with its indexing removed (new records carry no MeSH or publication types
for days). The out-of-fold probabilities then choose thresholds and fit the calibration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.article import Article
from labels.config import ModelConfig
from labels.features import Document, document
from labels.fitting import TrainingData, fit_models
from labels.metrics import field_report
from labels.model import Models

INDEXING_FIELDS = ("mesh", "mesh_major", "publication_types", "keywords")


@dataclass
class OutOfFold:
    """Each labelled record's probabilities from the fold model that never trained on it."""

    folds: list[list[int]]
    docs: list[Document]
    docs_bare: list[Document]  # the same records read without their indexing
    probs: dict[str, np.ndarray]
    probs_bare: dict[str, np.ndarray]


def fold_indices(labels: Sequence[Mapping[str, Any]], n_splits: int, seed: int) -> list[list[int]]:
    """Iterative stratification (Sechidis et al. 2011) over design, finding and topics."""
    keys = [
        {
            f"design={lab['design']}",
            f"finding={lab['finding']}",
            f"drug={lab['drug'] != 'not_studied'}",
            *(f"c={c}" for c in lab["conditions"]),
            *(f"o={o}" for o in lab["outcomes"]),
        }
        for lab in labels
    ]
    rng = np.random.default_rng(seed)
    remaining = set(range(len(labels)))
    folds: list[list[int]] = [[] for _ in range(n_splits)]
    capacity = np.full(n_splits, len(labels) / n_splits)
    names = sorted({k for ks in keys for k in ks})
    wanted = {k: np.full(n_splits, sum(k in ks for ks in keys) / n_splits) for k in names}
    counts = {k: sum(k in ks for ks in keys) for k in names}
    while remaining:
        live = [k for k in names if counts[k] > 0]
        if not live:
            for i in sorted(remaining):
                f = int(np.argmax(capacity + rng.random(n_splits) * 1e-6))
                folds[f].append(i)
                capacity[f] -= 1
            break
        rarest = min(live, key=lambda k: (counts[k], k))
        for i in rng.permutation(sorted(i for i in remaining if rarest in keys[i])):
            f = int(np.argmax(wanted[rarest] + capacity * 1e-3 + rng.random(n_splits) * 1e-6))
            folds[f].append(int(i))
            capacity[f] -= 1
            for k in keys[i]:
                wanted[k][f] -= 1
                counts[k] -= 1
            remaining.discard(int(i))
    return [sorted(f) for f in folds]


def out_of_fold(data: TrainingData, config: ModelConfig) -> OutOfFold:
    """Fit one model per fold and score its held-out records, with and without indexing."""
    n = len(data.articles)
    folds = fold_indices(data.labels, config.cv_folds, config.random_state)
    docs = [document(a) for a in data.articles]
    bare = [document(without_indexing(a)) for a in data.articles]
    probs: dict[str, np.ndarray] = {}
    probs_bare: dict[str, np.ndarray] = {}
    for held in folds:
        held_set = set(held)
        models = fit_models(data, [i for i in range(n) if i not in held_set], config)
        for target, views in ((probs, docs), (probs_bare, bare)):
            fold = models.probabilities(models.features([views[i] for i in held]))
            for name, p in fold.items():
                target.setdefault(name, np.zeros((n, p.shape[1])))[held] = p
    return OutOfFold(folds, docs, bare, probs, probs_bare)


def without_indexing(article: Article) -> Article:
    """The record as it first appears in PubMed: no MeSH, publication types or keywords."""
    return dataclasses.replace(article, mesh=(), mesh_major=(), publication_types=(), keywords=())


def score(
    models: Models,
    articles: Sequence[Article],
    gold: Sequence[Mapping[str, Any]],
    docs: Sequence[Document],
    probs: Mapping[str, np.ndarray],
) -> tuple[dict[str, Any], list[Article]]:
    """The report and the labelled records for given probabilities (out-of-fold or fresh)."""
    fields = models.labels_from(articles, docs, probs)
    preds = [dataclasses.replace(a, **f) for a, f in zip(articles, fields, strict=True)]
    return field_report(preds, gold), preds


def evaluate(
    models: Models, articles: Sequence[Article], gold: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Score the models on held-out records, as recorded and without their indexing."""
    out: dict[str, Any] = {}
    for key, views in (("with_indexing", articles), ("without_indexing", None)):
        views = views if views is not None else [without_indexing(a) for a in articles]
        docs = [document(a) for a in views]
        report, _ = score(models, views, gold, docs, models.probabilities(models.features(docs)))
        out[key] = report
    return out


def prediction_row(article: Article) -> dict[str, Any]:
    """One held-out prediction, for error analysis."""
    row: dict[str, Any] = {"pmid": article.pmid}
    for name in ("conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size"):
        value = getattr(article, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    row["needs_review"] = list(article.needs_review)
    return row
