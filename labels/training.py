"""Training and honest evaluation of the classifiers.

``train_models`` fits every field on the seed labels, distant labels built from PubMed indexing
(publication types, MeSH, keywords) and reviewer corrections; ``cross_validate`` scores each field
on held-out seed folds only (distant records may train every fold, never score one). Both are
deterministic given ``ModelConfig.random_state``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.article import Article
from labels import extract
from labels.model import (
    CONDITIONS,
    DESIGNS,
    DRUGS,
    FINDINGS,
    MULTI_LABEL,
    OUTCOMES,
    ROUTES,
    SINGLE_LABEL,
    Document,
    ModelConfig,
    Models,
    build_features,
    cue_columns,
    document,
    field_matrix,
    new_classifier,
    new_vectorizers,
    vectorize,
)

__all__ = [
    "GOALS",
    "Correction",
    "TrainingReport",
    "build_distant_labels",
    "cross_validate",
    "fold_indices",
    "load_distant_articles",
    "load_seed",
    "repository_inputs",
    "train_models",
]

VERSION_PREFIX = "2026.11"
MODEL_FILE = "classifier.skops"
GOALS = {
    "conditions": ("micro_f1", 0.93),
    "outcomes": ("micro_f1", 0.85),
    "finding": ("accuracy", 0.85),
    "design": ("macro_f1", 0.85),
    "design_rct_recall": ("recall", 0.97),
    "drug": ("accuracy", 0.95),
    "routes": ("micro_f1", 0.90),
    "sample_size": ("exact_where_stated", 0.85),
}


@dataclass(frozen=True)
class Correction:
    """A reviewer's correction of one label; it overrides seed and distant labels in training."""

    pmid: str
    field: str
    value: Any


@dataclass
class TrainingReport:
    """Per-field metrics and calibration, JSON-serialisable through ``to_json``."""

    kind: str
    model_version: str | None
    n_seed: int
    n_distant: int
    fields: dict[str, Any] = field(default_factory=dict)
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
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Inputs


def load_seed(records_path: Path, labels_path: Path) -> tuple[list[Article], list[dict[str, Any]]]:
    """Read the seed records (JSONL) and their labels, aligned by PMID."""
    records = [json.loads(line) for line in records_path.read_text("utf-8").splitlines() if line]
    labels = {
        str(r["pmid"]): r
        for r in (json.loads(line) for line in labels_path.read_text("utf-8").splitlines() if line)
    }
    articles, aligned = [], []
    for rec in records:
        pmid = str(rec["pmid"])
        if pmid not in labels:
            continue
        year = rec.get("year")
        articles.append(
            Article(
                pmid=pmid,
                title=rec.get("title"),
                abstract=rec.get("abstract"),
                journal=rec.get("journal"),
                year=int(year) if year else None,
                publication_types=tuple(rec.get("publication_types") or ()),
                mesh=tuple(rec.get("mesh") or ()),
            )
        )
        aligned.append(labels[pmid])
    return articles, aligned


def load_distant_articles(paths: Iterable[Path]) -> list[Article]:
    """Parse PubMed XML files (plain or gzip) into articles that have an abstract."""
    from pubmed.files import open_xml
    from pubmed.parser import iter_records

    out: list[Article] = []
    for path in paths:
        with open_xml(path) as stream:
            out.extend(
                r
                for r in iter_records(stream)  # type: ignore[arg-type]
                if isinstance(r, Article) and r.abstract
            )
    return out


def repository_inputs(
    root: Path,
) -> tuple[list[Article], list[dict[str, Any]], list[Article]]:
    """The training inputs the repository ships: seed labels and the two PubMed samples."""
    seed, labels = load_seed(
        root / "data/labels/seed-records.jsonl", root / "data/labels/seed-labels.jsonl"
    )
    distant = load_distant_articles(sorted((root / "data/pubmed").glob("*.xml.gz")))
    return seed, labels, distant


# ---------------------------------------------------------------------------------------------
# Distant labels from PubMed indexing

_DESIGN_PTYPES = (
    (
        {"meta-analysis", "systematic review", "network meta-analysis", "scoping review"},
        "meta_analysis",
    ),
    ({"randomized controlled trial", "equivalence trial", "pragmatic clinical trial"}, "rct"),
    ({"observational study", "twin study", "validation study"}, "observational"),
    ({"case reports"}, "case_report"),
    (
        {
            "review",
            "editorial",
            "comment",
            "letter",
            "news",
            "practice guideline",
            "guideline",
            "consensus development conference",
            "clinical trial protocol",
            "lecture",
        },
        "review",
    ),
)
# "Prospective Studies" and "Follow-Up Studies" index many trials too, so they are not used.
_OBSERVATIONAL_MESH = {
    "retrospective studies",
    "cross-sectional studies",
    "cohort studies",
    "case-control studies",
    "surveys and questionnaires",
    "health surveys",
    "registries",
}
_TRIAL_PTYPES = {
    "clinical trial",
    "controlled clinical trial",
    "clinical trial, phase i",
    "clinical trial, phase ii",
    "clinical trial, phase iii",
    "clinical trial, phase iv",
}
_CONDITION_TERMS = {
    "depression": r"depress|antidepress|\bmdd\b|dysthymi|bipolar depression|mood disorders?$",
    "anxiety": r"anxi|panic|phobi|generali[sz]ed anxiety",
    "ptsd": r"post-?traumatic|\bptsd\b|combat disorders|acute stress disorder|stress disorders, "
    r"traumatic",
    "chronic_pain": r"chronic pain|neuralgi|neuropath(?:y|ic) pain|fibromyalg|migraine|headache "
    r"disorders|complex regional|causalgia|reflex sympathetic|phantom limb|"
    r"low back pain|cancer pain|pain, intractable|osteoarthritis.*pain|"
    r"back pain|trigeminal",
}


def build_distant_labels(articles: Iterable[Article]) -> dict[str, dict[str, Any]]:
    """Weak labels from indexing: design from publication types and MeSH, conditions from
    major MeSH headings or author keywords. Returns {pmid: {field: value}} for labelled records."""
    out: dict[str, dict[str, Any]] = {}
    for article in articles:
        labels: dict[str, Any] = {}
        design = _distant_design(article)
        if design is not None:
            labels["design"] = design
        conditions = _distant_conditions(article)
        if conditions is not None:
            labels["conditions"] = conditions
        if labels:
            out[article.pmid] = labels
    return out


def _distant_design(article: Article) -> str | None:
    ptypes = {p.lower() for p in article.publication_types}
    mesh = {m.lower() for m in article.mesh}
    for types, design in _DESIGN_PTYPES[:2]:
        if ptypes & types:
            return design
    if "animals" in mesh and "humans" not in mesh:
        return "preclinical"
    for types, design in _DESIGN_PTYPES[2:]:
        if ptypes & types:
            return design
    if ptypes & _TRIAL_PTYPES:
        text = extract.article_text(article)
        return "rct" if re.search(r"randomi[sz]|randomly", text, re.I) else "nonrandomized_trial"
    if (
        "humans" in mesh
        and mesh & _OBSERVATIONAL_MESH
        and not re.search(r"randomi[sz]|randomly|placebo", extract.article_text(article), re.I)
    ):
        return "observational"
    return None


def _distant_conditions(article: Article) -> tuple[str, ...] | None:
    terms = [m.lower() for m in article.mesh_major] or [k.lower() for k in article.keywords]
    if not terms:
        return None
    return tuple(
        name
        for name, pattern in _CONDITION_TERMS.items()
        if any(re.search(pattern, t) for t in terms)
    )


# ---------------------------------------------------------------------------------------------
# Training


@dataclass
class _Data:
    """Seed and distant documents with their labels, built once and shared by folds."""

    seed: list[Article]
    seed_docs: list[Document]
    seed_labels: list[dict[str, Any]]
    distant_docs: list[Document]
    distant_labels: list[dict[str, Any]]


def _prepare(
    seed_records: Sequence[Article],
    seed_labels: Sequence[Mapping[str, Any]],
    distant_articles: Iterable[Article],
    corrections: Iterable[Correction],
    config: ModelConfig,
) -> _Data:
    labels = [dict(x) for x in seed_labels]
    by_pmid = {a.pmid: i for i, a in enumerate(seed_records)}
    corrected: dict[str, dict[str, Any]] = {}
    for c in corrections:
        value = tuple(c.value) if isinstance(c.value, list | tuple) else c.value
        if c.pmid in by_pmid:
            labels[by_pmid[c.pmid]][c.field] = value
        else:
            corrected.setdefault(c.pmid, {})[c.field] = value
    distant = [a for a in distant_articles if a.pmid not in by_pmid and a.abstract]
    weak = build_distant_labels(distant)
    for pmid, fields in corrected.items():
        # A reviewer's label outranks indexing: full weight, never capped (see _rows).
        weak.setdefault(pmid, {}).update(fields, **{_CORRECTED: frozenset(fields)})
    chosen = _choose_distant([a for a in distant if a.pmid in weak], weak, config)
    rng = np.random.default_rng(config.random_state)
    distant_docs = [document(a, with_index=rng.random() >= config.index_dropout) for a in chosen]
    return _Data(
        seed=list(seed_records),
        seed_docs=[document(a) for a in seed_records],
        seed_labels=labels,
        distant_docs=distant_docs,
        distant_labels=[weak[a.pmid] for a in chosen],
    )


_CORRECTED = "_corrected"  # key, in a distant record's labels, of the fields a reviewer set


def _choose_distant(
    articles: list[Article], weak: Mapping[str, Mapping[str, Any]], config: ModelConfig
) -> list[Article]:
    """Cap each design class and the condition-less records so seed labels are not drowned."""
    rng = np.random.default_rng(config.random_state)
    articles = sorted(articles, key=lambda a: a.pmid)
    buckets: dict[str, list[Article]] = {}
    for a in articles:
        labels = weak[a.pmid]
        key = "cond+" if labels.get("conditions") else labels.get("design") or "cond-"
        key = "corrected" if _CORRECTED in labels else key
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


def _fit(data: _Data, seed_index: Sequence[int], config: ModelConfig) -> Models:
    """Fit vectorisers and every field's classifier on the given seed rows plus distant rows."""
    seed_docs = [data.seed_docs[i] for i in seed_index]
    seed_labels = [data.seed_labels[i] for i in seed_index]
    vectorizers = new_vectorizers(config)
    n = len(seed_docs)
    docs = seed_docs + data.distant_docs
    raw = vectorize(vectorizers, docs, fit=True)
    cue_index = cue_columns(vectorizers)
    B_all = build_features(vectorizers, cue_index, docs, config.cue_scale, blocks=raw)
    B_seed = {k: v[:n] for k, v in B_all.items()}
    B_dist = {k: v[n:] for k, v in B_all.items()} if data.distant_docs else None
    classifiers: dict[str, Any] = {}
    for name, names in SINGLE_LABEL.items():
        X_seed = field_matrix(B_seed, config.field_blocks[name])
        X_dist = field_matrix(B_dist, config.field_blocks[name]) if B_dist else None
        y, X, w = _rows(X_seed, X_dist, seed_labels, data.distant_labels, name, config)
        clf = new_classifier(config.C[name], config.random_state, binary=False)
        clf.fit(X, np.array([names.index(v) for v in y]), sample_weight=w)
        classifiers[name] = _full_classes(clf, len(names))
    thresholds: dict[str, list[float]] = {}
    for name, names in MULTI_LABEL.items():
        X_seed = field_matrix(B_seed, config.field_blocks[name])
        X_dist = field_matrix(B_dist, config.field_blocks[name]) if B_dist else None
        y, X, w = _rows(X_seed, X_dist, seed_labels, data.distant_labels, name, config)
        classifiers[name] = [_fit_binary(X, y, label, w, config.C[name], config) for label in names]
        thresholds[name] = _tune_thresholds(
            X, y, w, len(seed_labels), names, config.C[name], config
        )
    return _compact(Models(vectorizers, cue_index, classifiers, thresholds, "", config.to_json()))


def _compact(models: Models) -> Models:
    """Shrink the models for the repository: drop pruned terms, store weights as float32."""
    for vec in models.vectorizers.values():
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # only for introspection; the pruned n-grams are most of the file
    for clf in [
        *(models.classifiers[n] for n in SINGLE_LABEL),
        *(c for n in MULTI_LABEL for c in models.classifiers[n]),
    ]:
        clf.coef_ = clf.coef_.astype(np.float32)
        clf.intercept_ = clf.intercept_.astype(np.float32)
    return models


def _fit_binary(
    X: Any, y: Sequence[Sequence[str]], label: str, w: np.ndarray, C: float, config: ModelConfig
) -> Any:
    """One label of a multi-label field: a class-balanced binary logistic regression."""
    target = np.array([label in v for v in y], dtype=int)
    if target.min() == target.max():
        target[0] = 1 - target[0]  # a constant column still gets a (useless) model
    clf = new_classifier(C, config.random_state, binary=True, balanced=config.balanced_multi)
    return clf.fit(X, target, sample_weight=w)


def _tune_thresholds(
    X: Any,
    y: Sequence[Sequence[str]],
    w: np.ndarray,
    n_seed: int,
    names: Sequence[str],
    C: float,
    config: ModelConfig,
) -> list[float]:
    """Per-label thresholds maximising F1 on inner folds of the seed rows, shrunk toward 0.5.

    Distant rows (after the first ``n_seed``) train every inner fold and are never scored.
    """
    if config.threshold_folds < 2:
        return [config.threshold] * len(names)
    rng = np.random.default_rng(config.random_state + 1)
    order = rng.permutation(n_seed)
    folds = [order[i :: config.threshold_folds] for i in range(config.threshold_folds)]
    oof = np.zeros((n_seed, len(names)))
    for held in folds:
        train = np.setdiff1d(np.arange(len(y)), held)
        for j, label in enumerate(names):
            clf = _fit_binary(X[train], [y[i] for i in train], label, w[train], C, config)
            oof[held, j] = clf.predict_proba(X[held])[:, 1]
    grid = np.arange(0.15, 0.86, 0.05)
    out = []
    for j, label in enumerate(names):
        gold = np.array([label in y[i] for i in range(n_seed)])
        if gold.sum() < 3:
            out.append(config.threshold)
            continue
        f1 = [_f1(oof[:, j] >= t, gold) for t in grid]
        best = float(grid[int(np.argmax(f1))])
        shrink = config.threshold_shrink
        out.append(round(shrink * config.threshold + (1 - shrink) * best, 3))
    return out


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float(np.sum(pred & gold))
    return 2 * tp / max(1.0, float(pred.sum() + gold.sum()))


def _rows(X_seed, X_dist, seed_labels, distant_labels, name, config):  # type: ignore[no-untyped-def]
    import scipy.sparse as sp

    y = [lab[name] for lab in seed_labels]
    w = [1.0] * len(y)
    rows = [X_seed]
    if X_dist is not None:
        keep = [i for i, lab in enumerate(distant_labels) if name in lab]
        if keep:
            rows.append(X_dist[keep])
            y += [distant_labels[i][name] for i in keep]
            w += [
                1.0 if name in distant_labels[i].get(_CORRECTED, ()) else config.distant_weight
                for i in keep
            ]
    return y, sp.vstack(rows, format="csr"), np.array(w)


def _full_classes(clf: Any, n: int) -> Any:
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
    seed_records: Sequence[Article],
    seed_labels: Sequence[Mapping[str, Any]],
    distant_pmids: Iterable[str],
    corrections: Iterable[Correction],
    config: ModelConfig,
) -> str:
    """A short hash of the training data and configuration, prefixed by the release month."""
    h = hashlib.sha256()
    for a, lab in zip(seed_records, seed_labels, strict=True):
        h.update(
            json.dumps(
                [a.pmid, a.title, a.abstract, list(a.publication_types), list(a.mesh)],
                ensure_ascii=False,
            ).encode()
        )
        h.update(json.dumps(lab, sort_keys=True).encode())
    h.update(",".join(sorted(distant_pmids)).encode())
    for c in corrections:
        h.update(json.dumps([c.pmid, c.field, c.value], sort_keys=True, default=str).encode())
    h.update(json.dumps(config.to_json(), sort_keys=True).encode())
    return f"{VERSION_PREFIX}-{h.hexdigest()[:10]}"


def train_models(
    seed_records: Sequence[Article],
    seed_labels: Sequence[Mapping[str, Any]],
    distant_articles: Iterable[Article],
    corrections: Iterable[Correction] = (),
    config: ModelConfig | None = None,
) -> tuple[Models, TrainingReport]:
    """Fit every field on all seed records, distant labels and corrections."""
    config = config or ModelConfig()
    corrections = list(corrections)
    distant_articles = list(distant_articles)
    data = _prepare(seed_records, seed_labels, distant_articles, corrections, config)
    models = _fit(data, range(len(data.seed)), config)
    models.version = model_version(
        seed_records, data.seed_labels, (a.pmid for a in distant_articles), corrections, config
    )
    report = TrainingReport(
        kind="train",
        model_version=models.version,
        n_seed=len(data.seed),
        n_distant=len(data.distant_docs),
        config=config.to_json(),
    )
    return models, report


# ---------------------------------------------------------------------------------------------
# Cross-validation


def fold_indices(labels: Sequence[Mapping[str, Any]], n_splits: int, seed: int) -> list[list[int]]:
    """Iterative stratification (Sechidis et al. 2011) over design, conditions, outcomes, drug."""
    keys = [
        {
            f"design={lab['design']}",
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
    label_names = sorted({k for ks in keys for k in ks})
    wanted = {k: np.full(n_splits, sum(k in ks for ks in keys) / n_splits) for k in label_names}
    while remaining:
        counts = {k: sum(k in keys[i] for i in remaining) for k in label_names}
        live = [k for k in label_names if counts[k] > 0]
        if not live:
            for i in sorted(remaining):
                f = int(np.argmax(capacity + rng.random(n_splits) * 1e-6))
                folds[f].append(i)
                capacity[f] -= 1
            break
        rarest = min(live, key=lambda k: (counts[k], k))
        members = sorted(i for i in remaining if rarest in keys[i])
        for i in rng.permutation(members):
            need = wanted[rarest] + capacity * 1e-3 + rng.random(n_splits) * 1e-6
            f = int(np.argmax(need))
            folds[f].append(int(i))
            capacity[f] -= 1
            for k in keys[i]:
                wanted[k][f] -= 1
            remaining.discard(int(i))
    return [sorted(f) for f in folds]


def cross_validate(
    seed_records: Sequence[Article],
    seed_labels: Sequence[Mapping[str, Any]],
    distant_articles: Iterable[Article],
    corrections: Iterable[Correction] = (),
    config: ModelConfig | None = None,
    n_splits: int = 5,
) -> TrainingReport:
    """Score every field on held-out seed folds; no held-out record is ever trained on."""
    config = config or ModelConfig()
    data = _prepare(seed_records, seed_labels, distant_articles, corrections, config)
    folds = fold_indices(data.seed_labels, n_splits, config.random_state)
    predictions: list[Article | None] = [None] * len(data.seed)
    probs: dict[str, np.ndarray] = {}
    for held in folds:
        held_set = set(held)
        train_index = [i for i in range(len(data.seed)) if i not in held_set]
        models = _fit(data, train_index, config)
        models.version = "cv"
        docs = [data.seed_docs[i] for i in held]
        fold_probs = models.probabilities(models.features(docs))
        held_articles = [data.seed[i] for i in held]
        fields = models.labels_from(held_articles, docs, fold_probs)
        labelled = [dataclasses.replace(a, **f) for a, f in zip(held_articles, fields, strict=True)]
        for name, p in fold_probs.items():
            probs.setdefault(name, np.zeros((len(data.seed), p.shape[1])))[held] = p
        for i, art in zip(held, labelled, strict=True):
            predictions[i] = art
    preds = [p for p in predictions if p is not None]
    return TrainingReport(
        kind="cross_validation",
        model_version=None,
        n_seed=len(data.seed),
        n_distant=len(data.distant_docs),
        fields=field_report(preds, data.seed_labels, probs),
        folds=[[data.seed[i].pmid for i in f] for f in folds],
        config=config.to_json(),
        predictions=[_prediction_row(p) for p in preds],
    )


def _prediction_row(article: Article) -> dict[str, Any]:
    """The held-out prediction of one seed record, for error analysis."""
    row: dict[str, Any] = {"pmid": article.pmid}
    for name in (*SINGLE_LABEL, *MULTI_LABEL, "drug", "routes", "sample_size"):
        value = getattr(article, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    return row


# ---------------------------------------------------------------------------------------------
# Metrics


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "support": tp + fn,
    }


def _multi_label_metrics(
    pred: list[tuple[str, ...]], gold: list[Sequence[str]], names: Sequence[str]
) -> dict[str, Any]:
    per: dict[str, Any] = {}
    totals = [0, 0, 0]
    for name in names:
        tp = sum(name in p and name in g for p, g in zip(pred, gold, strict=True))
        fp = sum(name in p and name not in g for p, g in zip(pred, gold, strict=True))
        fn = sum(name not in p and name in g for p, g in zip(pred, gold, strict=True))
        per[name] = _prf(tp, fp, fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    micro = _prf(*totals)
    exact = float(np.mean([set(p) == set(g) for p, g in zip(pred, gold, strict=True)]))
    return {
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "exact_match": exact,
        "per_label": per,
    }


def _single_label_metrics(pred: list[str], gold: list[str], names: Sequence[str]) -> dict[str, Any]:
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for p, g in zip(pred, gold, strict=True):
        matrix[names.index(g), names.index(p)] += 1
    per = {
        name: _prf(
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


def _calibration(probs: np.ndarray, onehot: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Brier score and reliability bins (confidence of the top class vs its accuracy)."""
    brier = float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))
    conf = probs.max(axis=1)
    correct = onehot[np.arange(len(probs)), probs.argmax(axis=1)]
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
                    "accuracy": float(correct[mask].mean()),
                }
            )
    return {"brier": brier, "reliability": table}


def field_report(
    preds: Sequence[Article],
    gold: Sequence[Mapping[str, Any]],
    probs: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Per-field metrics of predictions against gold labels, with goals and calibration."""
    out: dict[str, Any] = {}
    multi: tuple[tuple[str, Sequence[str]], ...] = (
        ("conditions", CONDITIONS),
        ("outcomes", OUTCOMES),
        ("routes", ROUTES),
    )
    single: tuple[tuple[str, Sequence[str]], ...] = (
        ("finding", FINDINGS),
        ("design", DESIGNS),
        ("drug", DRUGS),
    )
    for name, names in multi:
        out[name] = _multi_label_metrics(
            [getattr(p, name) for p in preds], [g[name] for g in gold], names
        )
    for name, names in single:
        out[name] = _single_label_metrics(
            [getattr(p, name) for p in preds], [g[name] for g in gold], names
        )
    out["design"]["rct_recall"] = out["design"]["per_class"]["rct"]["recall"]
    stated = [
        (p.sample_size, g["sample_size"])
        for p, g in zip(preds, gold, strict=True)
        if g["sample_size"] is not None
    ]
    out["sample_size"] = {
        "exact_where_stated": float(np.mean([p == g for p, g in stated])) if stated else 0.0,
        "n_stated": len(stated),
        "exact_all": float(
            np.mean([p.sample_size == g["sample_size"] for p, g in zip(preds, gold, strict=True)])
        ),
    }
    fields: dict[str, Sequence[str]] = {**SINGLE_LABEL, **MULTI_LABEL}
    for name, names in fields.items():
        if probs is None or name not in probs:
            continue
        if name in SINGLE_LABEL:
            onehot = np.array([[float(g[name] == n) for n in names] for g in gold])
            out[name]["calibration"] = _calibration(probs[name], onehot)
        else:
            p = probs[name].reshape(-1, 1)
            two = np.hstack([1 - p, p])
            y = np.array([[float(n in g[name]) for n in names] for g in gold]).reshape(-1, 1)
            out[name]["calibration"] = _calibration(two, np.hstack([1 - y, y]))
    out["goals"] = {
        key: {
            "metric": metric,
            "goal": goal,
            "value": _goal_value(out, key, metric),
            "met": _goal_value(out, key, metric) >= goal,
        }
        for key, (metric, goal) in GOALS.items()
    }
    return out


def _goal_value(out: Mapping[str, Any], key: str, metric: str) -> float:
    if key == "design_rct_recall":
        return float(out["design"]["rct_recall"])
    return float(out[key][metric])


# ---------------------------------------------------------------------------------------------
# Entry point: rebuild the shipped models from the repository's data


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the repository's data, write models/ and the reports; optionally cross-validate."""
    import argparse

    from core.settings import PROJECT_DIR

    parser = argparse.ArgumentParser(prog="python -m labels.training", description=main.__doc__)
    parser.add_argument("--root", type=Path, default=PROJECT_DIR)
    parser.add_argument(
        "--out", type=Path, default=None, help="models directory (default root/models)"
    )
    parser.add_argument("--cv", action="store_true", help="also write the cross-validation report")
    args = parser.parse_args(argv)
    out = args.out or args.root / "models"
    seed, labels, distant = repository_inputs(args.root)
    models, report = train_models(seed, labels, distant)
    models.save(out / MODEL_FILE)
    (out / "training-report.json").write_text(json.dumps(report.to_json(), indent=1) + "\n")
    if args.cv:
        cv = cross_validate(seed, labels, distant)
        (out / "cv-report.json").write_text(json.dumps(cv.to_json(), indent=1) + "\n")
    print(models.version)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
