"""Finding read a second time: a small logistic regression over the first-level probabilities
of finding (gate times direction) and of the outcomes.

The gate and the direction model each read the text, but not what the outcome models concluded;
a study the outcome models are sure measures efficacy or safety reports a result, and the
second model learns how far to trust the direction then. It is fitted on out-of-fold
probabilities (what the first-level models say of records they never saw, as they will of new
ones), and its own out-of-fold probabilities, nested in the same folds, replace finding's for
the class weights, the calibration and the cross-validation report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from core.article import FINDINGS
from labels.fitting import fit_to_rounding
from labels.model import NEWTON_TOL, Models, stack_features
from labels.validation import OutOfFold

STACK_C = 1.0  # out of fold, 0.3 and 3 gave the same negative-or-mixed recall within 0.007


def fit_stack(X: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """The second-level model: unweighted, so its probabilities stay calibrated; finding's
    class weights then trade accuracy for negative and mixed recall as before."""
    clf = LogisticRegression(C=STACK_C, solver="newton-cg", tol=NEWTON_TOL, max_iter=1000)
    fit_to_rounding(clf, X, y, np.ones(len(y)))
    return clf


def stack_finding(models: Models, labels: Sequence[Mapping[str, Any]], oof: OutOfFold) -> None:
    """Fit the stacked finding model on every out-of-fold row (with and without indexing) into
    ``models``; put its nested out-of-fold probabilities in ``oof`` in place of finding's."""
    y = np.array([FINDINGS.index(lab["finding"]) for lab in labels])
    views = (stack_features(oof.probs), stack_features(oof.probs_bare))
    both = np.vstack(views)
    stacked = [np.zeros((len(y), len(FINDINGS))) for _ in views]
    for held in oof.folds:
        keep = np.setdiff1d(np.arange(len(y)), held)
        rows = np.concatenate([keep, keep + len(y)])
        clf = fit_stack(both[rows], np.concatenate([y[keep], y[keep]]))
        for out, X in zip(stacked, views, strict=True):
            out[held] = clf.predict_proba(X[held])
    models.classifiers["finding_stack"] = fit_stack(both, np.concatenate([y, y]))
    oof.probs["finding"], oof.probs_bare["finding"] = stacked
