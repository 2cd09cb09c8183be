"""The trained models: per-field classifiers over the feature blocks, applied to a batch.

A batch is vectorised once (``labels.features``) and each field's classifier, a class-balanced
logistic regression, reads the blocks its config names. design is multi-class; finding is a gate
(does the study report an intervention's effect?) times a direction model, with class weights
chosen out of fold; conditions and outcomes are one binary model per label with thresholds tuned
on inner folds.
The rules in ``labels.rules`` fill drug, routes, sample size and key finding; design rules read
stated designs before the classifier. The file format is skops with no trusted types beyond its
defaults: loading cannot run code.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from core.article import (
    CONDITIONS,
    DESIGNS,
    DRUGS,
    FINDINGS,
    LABEL_FIELDS,
    OUTCOMES,
    ROUTES,
    Article,
)
from labels.calibration import Curve, apply_curve, flagged
from labels.config import (
    DEFAULT_MODEL_PATH,
    MULTI_LABEL,
    SINGLE_LABEL,
    TRUSTED_TYPES,
    ModelConfig,
)
from labels.features import (
    Document,
    build_features,
    document,
    field_matrix,
    new_vectorizers,
)
from labels.rules.design import decide_design, design_rule
from labels.rules.finding import stated_finding
from labels.rules.outcomes import guided_outcomes, unsure_outcomes
from labels.rules.routes import extract_routes
from labels.rules.sample_size import read_sample_size
from labels.terms import (
    TermIndex,
    compile_terms,
    transform_terms,
    vectorizer_from_state,
    vectorizer_state,
)
from labels.text import named_conditions, normalise

__all__ = [
    "CONDITIONS",
    "DEFAULT_MODEL_PATH",
    "DESIGNS",
    "DRUGS",
    "FINDINGS",
    "MULTI_LABEL",
    "OUTCOMES",
    "ROUTES",
    "SINGLE_LABEL",
    "TRUSTED_TYPES",
    "Document",
    "ModelConfig",
    "Models",
    "compile_terms",
    "design_rule",
    "document",
    "load_models",
    "new_vectorizers",
    "normalise",
    "transform_terms",
]


@dataclass
class Models:
    """Fitted vectorisers and per-field classifiers; ``predict`` labels a batch of articles."""

    vectorizers: dict[str, Any]
    cue_index: dict[str, dict[str, np.ndarray]]
    classifiers: dict[str, Any]
    thresholds: dict[str, list[float]]
    version: str
    config: dict[str, Any]
    # Per field: the isotonic map of raw confidence to out-of-fold accuracy, and the calibrated
    # confidence below which the field needs a reviewer (both from ``labels.calibration``).
    calibration: dict[str, Curve] = field(default_factory=dict)
    review_thresholds: dict[str, float] = field(default_factory=dict)
    # The labelling code the models were trained with (``labels.code_digest``): the version
    # covers it, so a rule change is a new version that ``train`` relabels with.
    code_digest: str = ""

    def features(self, docs: Sequence[Document]) -> dict[str, sp.csr_matrix]:
        """Vectorise a batch once: the feature blocks every classifier reads."""
        return build_features(
            self.vectorizers, self.cue_index, docs, self.config["cue_scale"], terms=self.terms
        )

    @functools.cached_property
    def terms(self) -> dict[str, TermIndex]:
        """The vocabularies compiled for fast transforms, built once per loaded model."""
        return {name: compile_terms(vec) for name, vec in self.vectorizers.items()}

    def predict(self, articles: Sequence[Article], n_jobs: int = 1) -> list[Article]:
        """Return the articles with every label field, confidence and model_version filled.

        ``n_jobs > 1`` splits a large batch over forked worker processes (Linux).
        """
        articles = list(articles)
        if n_jobs > 1 and len(articles) >= PARALLEL_MIN_BATCH:
            labels = _labels_parallel(self, articles, n_jobs)
        else:
            labels = self.labels(articles)
        return [dataclasses.replace(a, **lab) for a, lab in zip(articles, labels, strict=True)]

    def labels(self, articles: Sequence[Article]) -> list[dict[str, Any]]:
        """The label fields of each article, as keyword arguments for ``dataclasses.replace``."""
        if not articles:
            return []
        docs = [document(a) for a in articles]
        return self.labels_from(articles, docs, self.probabilities(self.features(docs)))

    def probabilities(self, blocks: Mapping[str, sp.csr_matrix]) -> dict[str, np.ndarray]:
        """Class probabilities per field (single-label) or per label (multi-label)."""
        blocks_of = self.config["field_blocks"]
        probs = {}
        for name in SINGLE_LABEL:
            X = field_matrix(blocks, blocks_of[name])
            probs[name] = self.classifiers[name].predict_proba(X)
        if "finding_gate" in self.classifiers:
            # P(direction) = P(reports an effect) * P(direction | it does); "none" the rest.
            gate = self.classifiers["finding_gate"]
            effect = gate.predict_proba(field_matrix(blocks, blocks_of["finding_gate"]))[:, 1:]
            probs["finding"] = np.column_stack([effect * probs["finding"], 1 - effect])
        for name in MULTI_LABEL:
            X = field_matrix(blocks, blocks_of[name])
            probs[name] = np.column_stack(
                [clf.predict_proba(X)[:, 1] for clf in self.classifiers[name]]
            )
        if "finding_stack" in self.classifiers:
            probs["finding"] = self.classifiers["finding_stack"].predict_proba(
                stack_features(probs)
            )
        return probs

    def labels_from(
        self,
        articles: Sequence[Article],
        docs: Sequence[Document],
        probs: Mapping[str, np.ndarray],
        calibrated: bool = True,
    ) -> list[dict[str, Any]]:
        """Turn a batch's probabilities and rule outputs into label fields.

        ``calibrated=False`` leaves each confidence raw (what calibration is fitted on).

        Argmaxes, thresholds and confidences are computed for the whole batch with numpy and
        handed to the per-record rules as plain Python values (per-row numpy calls cost more
        than the rules themselves).
        """
        weights = np.asarray(self.thresholds.get("finding", [1.0] * len(FINDINGS)))
        finding_idx = (probs["finding"] * weights[None, :]).argmax(axis=1)
        finding = finding_idx.tolist()
        finding_p = np.take_along_axis(probs["finding"], finding_idx[:, None], 1)[:, 0].tolist()
        chosen: dict[str, list[tuple[str, ...]]] = {}
        certainty: dict[str, list[float]] = {}
        for name, names in MULTI_LABEL.items():
            p = probs[name]
            hits = (p >= np.asarray(self.thresholds[name])[None, :]).tolist()
            chosen[name] = [tuple(n for n, h in zip(names, row, strict=True) if h) for row in hits]
            certainty[name] = np.prod(np.maximum(p, 1 - p), axis=1).tolist()
        unsure = unsure_outcomes(probs["outcomes"], self.thresholds["outcomes"])
        out = []
        for i, (article, doc) in enumerate(zip(articles, docs, strict=True)):
            design, design_p = decide_design(
                article, probs["design"][i], self.config, doc.title, doc.text
            )
            stated = stated_finding(FINDINGS[finding[i]], doc.conclusion)
            # Where the conclusion's words overrule the model, the confidence is the model's in
            # the stated finding: low, so that a reviewer sees it.
            finding_conf = (
                finding_p[i]
                if stated == FINDINGS[finding[i]]
                else float(probs["finding"][i, FINDINGS.index(stated)])
            )
            labels: dict[str, Any] = {"design": design, "finding": stated}
            confidence = {"design": design_p, "finding": finding_conf}
            for name in MULTI_LABEL:
                labels[name] = chosen[name][i]
                confidence[name] = certainty[name][i]
            labels["conditions"] = named_conditions(doc.text, labels["conditions"])
            labels["outcomes"] = guided_outcomes(labels, unsure[i], finding_p[i], article, doc)
            out.append(self._rule_labels(article, doc, labels, confidence, calibrated))
        return out

    def _rule_labels(
        self,
        article: Article,
        doc: Document,
        labels: dict[str, Any],
        confidence: dict[str, float],
        calibrated: bool = True,
    ) -> dict[str, Any]:
        """Add the rule-based fields (drug, routes, sample size, key finding) to one record."""
        labels["drug"] = doc.drug
        confidence["drug"] = doc.drug_confidence
        labels["routes"] = extract_routes(article, doc.drug)
        confidence["routes"] = 0.9 if labels["routes"] or doc.drug == "not_studied" else 0.7
        labels["sample_size"], confidence["sample_size"] = read_sample_size(
            article, labels["design"]
        )
        labels["key_finding"] = doc.key_finding
        curves = self.calibration if calibrated else {}
        final = {
            k: round(apply_curve(curves.get(k), float(confidence[k])), 4) for k in LABEL_FIELDS
        }
        labels["confidence"] = tuple(final.items())
        labels["model_version"] = self.version
        labels["needs_review"] = flagged(final, self.review_thresholds) if calibrated else ()
        return labels

    def save(self, path: Path) -> None:
        """Write the models as one skops file."""
        import skops.io as sio

        payload = {
            "vectorizers": {k: vectorizer_state(v) for k, v in self.vectorizers.items()},
            "cue_index": self.cue_index,
            "classifiers": self.classifiers,
            "thresholds": self.thresholds,
            "version": self.version,
            "config": self.config,
            "calibration": {k: [list(v[0]), list(v[1])] for k, v in self.calibration.items()},
            "review_thresholds": self.review_thresholds,
            "code_digest": self.code_digest,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(payload, path, compression=8, compresslevel=9)


def new_classifier(
    C: float, random_state: int, binary: bool, balanced: bool = True
) -> LogisticRegression:
    """The one classifier kind every field uses: an L2 logistic regression, class-balanced.

    liblinear for binary labels and newton-cg for multi-class: on these sparse matrices both
    are 10x faster than lbfgs, which crawls on ~40k features with scipy 1.17. newton-cg runs
    to ``NEWTON_TOL``, near its rounding floor, so that training gives the same models on any
    CPU (see the constant).
    """
    return LogisticRegression(
        C=C,
        class_weight="balanced" if balanced else None,
        max_iter=1000,
        solver="liblinear" if binary else "newton-cg",
        dual=binary,  # the dual problem is 7x faster here: fewer rows than features
        tol=1e-4 if binary else NEWTON_TOL,
        random_state=random_state,
    )


# At newton-cg's default tolerance (1e-4) the solution it stops at depends on the CPU's SIMD
# kernels: on a machine with other kernels the same data gave design probabilities up to 0.047
# apart (two argmaxes flipped), and finding's out-of-fold class weights flipped with them. At
# 1e-8 the two machines' probabilities agree within 7e-5 (finding 4e-6). The line search then
# meets rounding before the gradient test; ``labels.fitting`` silences that warning.
NEWTON_TOL = 1e-8


# finding is read a second time from these fields' probabilities (``labels.stacking``): what
# the outcome models saw tells whether a study reports an intervention's result at all.
FINDING_STACK_INPUTS = ("finding", "outcomes")


def stack_features(probs: Mapping[str, np.ndarray]) -> np.ndarray:
    """The stacked finding model's inputs: the first-level probabilities, side by side."""
    return np.hstack([probs[name] for name in FINDING_STACK_INPUTS])


PARALLEL_MIN_BATCH = 2000
# Set in forked workers only (by _init_worker): the models and the batch arrive by fork, so
# neither is pickled; only index ranges go out and label dicts come back.
_worker_state: tuple[Models, list[Article]] | None = None


def _init_worker(models: Models, articles: list[Article]) -> None:
    global _worker_state
    _worker_state = (models, articles)


def _worker_labels(span: tuple[int, int]) -> list[dict[str, Any]]:
    assert _worker_state is not None
    models, articles = _worker_state
    return models.labels(articles[span[0] : span[1]])


def _labels_parallel(models: Models, articles: list[Article], n_jobs: int) -> list[dict[str, Any]]:
    """Label a batch in forked processes (Linux); elsewhere, in this one."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return models.labels(articles)
    size = -(-len(articles) // (2 * n_jobs))
    spans = [(i, min(i + size, len(articles))) for i in range(0, len(articles), size)]
    models.terms  # compile once here, so every forked worker inherits it  # noqa: B018
    ctx = multiprocessing.get_context("fork")
    # Frozen objects are skipped by the workers' garbage collector, so it does not touch (and
    # copy on write) every inherited page of the batch and the models.
    gc.freeze()
    try:
        with ctx.Pool(n_jobs, initializer=_init_worker, initargs=(models, articles)) as pool:
            parts = pool.map(_worker_labels, spans, chunksize=1)
    finally:
        gc.unfreeze()
    return [lab for part in parts for lab in part]


def load_models(path: Path | str) -> Models:
    """Read models written by ``Models.save`` (skops; only TRUSTED_TYPES are accepted)."""
    import skops.io as sio

    payload = sio.load(Path(path), trusted=list(TRUSTED_TYPES))
    return Models(
        vectorizers={k: vectorizer_from_state(v) for k, v in payload["vectorizers"].items()},
        cue_index=payload["cue_index"],
        classifiers=payload["classifiers"],
        thresholds={k: list(v) for k, v in payload["thresholds"].items()},
        version=payload["version"],
        config=dict(payload["config"]),
        calibration={
            k: (tuple(v[0]), tuple(v[1])) for k, v in payload.get("calibration", {}).items()
        },
        review_thresholds=dict(payload.get("review_thresholds", {})),
        code_digest=str(payload.get("code_digest", "")),
    )
