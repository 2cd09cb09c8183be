"""Fitting: the training rows of every field, the classifiers, and the model version.

Labelled records train at full weight; distant rows (PubMed indexing, PubMedQA answers) at a
lower weight and capped so they do not drown the labels; a reviewer's correction outranks both.
No frozen test record may reach a fit: ``fit_models`` refuses them.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from core.article import FINDINGS, Article
from labels.config import MULTI_LABEL, SINGLE_LABEL, ModelConfig
from labels.corpus import Correction, refuse_test_records
from labels.distant import build_distant_labels, pubmedqa_labels
from labels.features import (
    Document,
    build_features,
    cue_columns,
    document,
    field_matrix,
    new_vectorizers,
    vectorize,
)
from labels.model import Models, new_classifier

VERSION_PREFIX = "2026.12"
CORRECTED = "_corrected"  # key, in a distant record's labels, of the fields a reviewer set
_WEIGHT = "_weight"  # key, in a distant record's labels, of its row weight


@dataclass
class TrainingData:
    """Labelled and distant documents with their labels, built once and shared by folds."""

    articles: list[Article]
    docs: list[Document]
    labels: list[dict[str, Any]]
    distant_docs: list[Document]
    distant_labels: list[dict[str, Any]]
    distant_pmids: list[str]
    test_pmids: frozenset[str]


def prepare(
    articles: Sequence[Article],
    labels: Sequence[Mapping[str, Any]],
    distant_articles: Iterable[Article],
    corrections: Iterable[Correction],
    config: ModelConfig,
    pubmedqa: Sequence[tuple[Article, str]] = (),
    test_pmids: frozenset[str] = frozenset(),
) -> TrainingData:
    """Documents and labels for every training row; corrections and test PMIDs applied."""
    refuse_test_records((a.pmid for a in articles), test_pmids)
    gold = [dict(x) for x in labels]
    by_pmid = {a.pmid: i for i, a in enumerate(articles)}
    corrected: dict[str, dict[str, Any]] = {}
    for c in corrections:
        if c.pmid in test_pmids:
            continue  # a reviewer's label of a test record is still never trained on
        value = tuple(c.value) if isinstance(c.value, list | tuple) else c.value
        if c.pmid in by_pmid:
            gold[by_pmid[c.pmid]][c.field] = value
        else:
            corrected.setdefault(c.pmid, {})[c.field] = value
    unusable = set(by_pmid) | test_pmids
    distant = [a for a in distant_articles if a.pmid not in unusable and a.abstract]
    weak = build_distant_labels(distant)
    for pmid, fields in corrected.items():
        weak.setdefault(pmid, {}).update(fields, **{CORRECTED: frozenset(fields)})
    chosen = choose_distant([a for a in distant if a.pmid in weak], weak, config)
    rng = np.random.default_rng(config.random_state)
    distant_docs = [document(a, with_index=rng.random() >= config.index_dropout) for a in chosen]
    distant_labels = [weak[a.pmid] for a in chosen]
    qa = [(a, ans) for a, ans in pubmedqa if a.pmid not in unusable and a.pmid not in weak]
    if config.pubmedqa_weight > 0 and qa:
        qa_articles = {a.pmid: a for a, _ in qa}
        for pmid, fields in sorted(pubmedqa_labels(qa).items()):
            distant_labels.append({**fields, _WEIGHT: config.pubmedqa_weight})
            distant_docs.append(document(qa_articles[pmid]))
            chosen.append(qa_articles[pmid])
    gold_rng = np.random.default_rng(config.random_state + 7)
    docs = [
        document(a, with_index=gold_rng.random() >= config.gold_index_dropout) for a in articles
    ]
    return TrainingData(
        list(articles),
        docs,
        gold,
        distant_docs,
        distant_labels,
        [a.pmid for a in chosen],
        test_pmids,
    )


def choose_distant(
    articles: list[Article], weak: Mapping[str, Mapping[str, Any]], config: ModelConfig
) -> list[Article]:
    """Cap each design class and the condition-less records so labelled rows are not drowned."""
    rng = np.random.default_rng(config.random_state)
    articles = sorted(articles, key=lambda a: a.pmid)
    buckets: dict[str, list[Article]] = {}
    for a in articles:
        labels = weak[a.pmid]
        key = "cond+" if labels.get("conditions") else labels.get("design") or "cond-"
        key = "corrected" if CORRECTED in labels else key
        buckets.setdefault(key, []).append(a)
    chosen: list[Article] = []
    for key in sorted(buckets):
        group = buckets[key]
        cap = config.distant_cap if key not in ("cond+", "corrected") else len(group)
        if len(group) > cap:
            picks = sorted(rng.choice(len(group), size=cap, replace=False))
            group = [group[i] for i in picks]
        chosen.extend(group)
    return chosen


def fit_models(data: TrainingData, index: Sequence[int], config: ModelConfig) -> Models:
    """Fit vectorisers and every field's classifier on the given labelled rows plus distant rows."""
    refuse_test_records([data.articles[i].pmid for i in index], data.test_pmids)
    refuse_test_records(data.distant_pmids, data.test_pmids)
    docs = [data.docs[i] for i in index] + data.distant_docs
    labels = [data.labels[i] for i in index]
    vectorizers = new_vectorizers(config)
    raw = vectorize(vectorizers, docs, fit=True)
    cue_index = cue_columns(vectorizers)
    blocks = build_features(vectorizers, cue_index, docs, config.cue_scale, blocks=raw)
    n = len(labels)
    classifiers: dict[str, Any] = {}
    for name, names in {**SINGLE_LABEL, **MULTI_LABEL}.items():
        X = field_matrix(blocks, config.field_blocks[name])
        rows, y, w = training_rows(name, labels, data.distant_labels, n, config)
        if name == "finding":
            gate = field_matrix(blocks, config.field_blocks["finding_gate"])
            # PubMedQA rows (those with their own weight) train the direction only.
            answers = [r >= n and _WEIGHT in data.distant_labels[r - n] for r in rows]
            classifiers["finding_gate"], classifiers[name] = fit_finding(
                gate, X, rows, y, w, ~np.array(answers, dtype=bool), config
            )
        elif name in SINGLE_LABEL:
            clf = new_classifier(config.C[name], config.random_state, binary=False)
            fit_to_rounding(clf, X[rows], np.array([names.index(v) for v in y]), w)
            classifiers[name] = full_classes(clf, len(names))
        else:
            classifiers[name] = [
                fit_binary(X[rows], y, label, w, config.C[name], config) for label in names
            ]
    thresholds = {name: [config.threshold] * len(names) for name, names in MULTI_LABEL.items()}
    return compact(Models(vectorizers, cue_index, classifiers, thresholds, "", config.to_json()))


def training_rows(
    name: str,
    labels: Sequence[Mapping[str, Any]],
    distant_labels: Sequence[Mapping[str, Any]],
    n: int,
    config: ModelConfig,
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Row positions (labelled first, then distant), targets and weights for one field."""
    keep = [i for i, lab in enumerate(distant_labels) if name in lab]
    rows = np.concatenate([np.arange(n), n + np.array(keep, dtype=int)]).astype(int)
    y = [lab[name] for lab in labels] + [distant_labels[i][name] for i in keep]
    w = [1.0] * n + [_distant_weight(distant_labels[i], name, config) for i in keep]
    return rows, y, np.array(w)


def fit_finding(
    X_gate: sp.csr_matrix,
    X: sp.csr_matrix,
    rows: np.ndarray,
    y: Sequence[str],
    w: np.ndarray,
    gated: np.ndarray,
    config: ModelConfig,
) -> tuple[Any, Any]:
    """finding in two stages: a gate (does the study report an intervention's effect?) and a
    direction model (positive / negative / mixed) fitted on the directional rows only.

    PubMedQA answers are all directional and mostly about associations, so they train only the
    direction: as gate rows they taught the model to give association studies a direction.
    """
    target = np.array([v != "none" for v in y])
    gate_rows = np.flatnonzero(gated)
    C_gate = config.C.get("finding_gate", config.C["finding"])  # a config may name finding only
    gate = new_classifier(C_gate, config.random_state, binary=True)
    gate.fit(X_gate[rows[gate_rows]], target[gate_rows].astype(int), sample_weight=w[gate_rows])
    keep = np.flatnonzero(target)
    directions = FINDINGS[:3]
    direction = new_classifier(config.C["finding"], config.random_state, binary=False)
    targets = np.array([directions.index(y[int(i)]) for i in keep])
    fit_to_rounding(direction, X[rows[keep]], targets, w[keep])
    return gate, full_classes(direction, len(directions))


def fit_to_rounding(clf: Any, X: sp.csr_matrix, y: np.ndarray, w: np.ndarray) -> Any:
    """Fit a newton-cg model to its tight tolerance (``labels.model.NEWTON_TOL``): where the
    line search meets rounding first, the solution is as close as the arithmetic allows, so
    that warning says nothing a user can act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_LINE_SEARCH_AT_ROUNDING)
        return clf.fit(X, y, sample_weight=w)


# What scipy's and scikit-learn's line searches say when rounding stops them.
_LINE_SEARCH_AT_ROUNDING = (
    r"The line search algorithm did not converge|Rounding errors prevent the line search|"
    r"Line Search failed"
)


def _distant_weight(labels: Mapping[str, Any], name: str, config: ModelConfig) -> float:
    if name in labels.get(CORRECTED, ()):
        return 1.0  # a reviewer's label outranks indexing: full weight, never capped
    return float(labels.get(_WEIGHT, config.distant_weight))


def compact(models: Models) -> Models:
    """Shrink the models for the repository: drop pruned terms, store weights as float32."""
    for vec in models.vectorizers.values():
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # only for introspection; the pruned n-grams are most of the file
    single = [n for n in (*SINGLE_LABEL, "finding_gate") if n in models.classifiers]
    for clf in [
        *(models.classifiers[n] for n in single),
        *(c for n in MULTI_LABEL for c in models.classifiers[n]),
    ]:
        clf.coef_ = clf.coef_.astype(np.float32)
        clf.intercept_ = clf.intercept_.astype(np.float32)
    return models


def fit_binary(
    X: sp.csr_matrix, y: Sequence[Sequence[str]], label: str, w: np.ndarray, C: float, config: Any
) -> Any:
    """One label of a multi-label field: a class-balanced binary logistic regression."""
    target = np.array([label in v for v in y], dtype=int)
    if target.min() == target.max():
        target[0] = 1 - target[0]  # a constant column still gets a (useless) model
    clf = new_classifier(C, config.random_state, binary=True, balanced=config.balanced_multi)
    return clf.fit(X, target, sample_weight=w)


def full_classes(clf: Any, n: int) -> Any:
    """Make ``predict_proba`` return one column per class even if a fold lacked a class."""
    if len(clf.classes_) == n:
        return clf
    coef = np.full((n, clf.coef_.shape[1]), 0.0)
    intercept = np.full(n, -20.0)
    for j, c in enumerate(clf.classes_):
        if clf.coef_.shape[0] == 1:  # binary problem: sklearn stores one row
            coef[c] = clf.coef_[0] if j == 1 else -clf.coef_[0]
            intercept[c] = clf.intercept_[0] if j == 1 else -clf.intercept_[0]
        else:
            coef[c], intercept[c] = clf.coef_[j], clf.intercept_[j]
    clf.coef_, clf.intercept_, clf.classes_ = coef, intercept, np.arange(n)
    return clf


def model_version(
    data: TrainingData, corrections: Iterable[Correction], config: ModelConfig, code_digest: str
) -> str:
    """A short hash of the training data, the configuration and the labelling code
    (``labels.code_digest``), prefixed by the release month."""
    h = hashlib.sha256()
    h.update(code_digest.encode())
    for a, lab in zip(data.articles, data.labels, strict=True):
        record = [a.pmid, a.title, a.abstract, list(a.publication_types), list(a.mesh)]
        h.update(json.dumps(record, ensure_ascii=False).encode())
        h.update(json.dumps(lab, sort_keys=True, default=list).encode())
    h.update(",".join(sorted(data.distant_pmids)).encode())
    for c in corrections:
        h.update(json.dumps([c.pmid, c.field, c.value], sort_keys=True, default=str).encode())
    h.update(json.dumps(config.to_json(), sort_keys=True).encode())
    return f"{VERSION_PREFIX}-{h.hexdigest()[:10]}"
