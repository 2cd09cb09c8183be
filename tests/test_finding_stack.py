"""Finding read a second time (labels.stacking): nested out of fold, and reading the outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from core.article import FINDINGS, OUTCOMES
from labels.config import DEFAULT_MODEL_PATH
from labels.model import Models, load_models, stack_features
from labels.stacking import stack_finding
from labels.validation import OutOfFold


def _out_of_fold(labels: list[dict], seed: int = 0) -> OutOfFold:
    """First-level probabilities that carry some signal of the gold finding, in three folds."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    gold = np.array([FINDINGS.index(lab["finding"]) for lab in labels])
    finding = rng.dirichlet(np.ones(len(FINDINGS)), n)
    finding[np.arange(n), gold] += 0.5
    finding /= finding.sum(axis=1, keepdims=True)
    outcomes = rng.random((n, len(OUTCOMES)))
    probs = {"finding": finding, "outcomes": outcomes}
    bare = {"finding": finding.copy(), "outcomes": outcomes.copy()}
    folds = [list(range(i, n, 3)) for i in range(3)]
    return OutOfFold(folds, [], [], probs, bare)


def _labels(n: int) -> list[dict]:
    return [{"finding": FINDINGS[i % len(FINDINGS)]} for i in range(n)]


def _empty_models() -> Models:
    return Models({}, {}, {}, {}, "", {})


def test_a_record_s_stacked_finding_never_saw_its_own_label() -> None:
    """Changing one record's gold label leaves its own out-of-fold probabilities as they were
    (its fold's second-level model never trained on it), but moves the shipped stacker."""
    labels = _labels(120)
    first, second = _out_of_fold(labels), _out_of_fold(labels)
    models_a, models_b = _empty_models(), _empty_models()
    stack_finding(models_a, labels, first)
    changed = [dict(lab) for lab in labels]
    changed[0]["finding"] = "mixed" if labels[0]["finding"] != "mixed" else "positive"
    stack_finding(models_b, changed, second)
    assert np.array_equal(first.probs["finding"][0], second.probs["finding"][0])
    assert np.array_equal(first.probs_bare["finding"][0], second.probs_bare["finding"][0])
    # every other fold did train on record 0, so its records moved
    other = first.folds[1]
    assert not np.allclose(first.probs["finding"][other], second.probs["finding"][other])
    assert not np.allclose(
        models_a.classifiers["finding_stack"].coef_, models_b.classifiers["finding_stack"].coef_
    )


def test_stacked_probabilities_are_a_distribution_over_the_findings() -> None:
    labels = _labels(90)
    oof = _out_of_fold(labels, seed=3)
    stack_finding(_empty_models(), labels, oof)
    for view in (oof.probs, oof.probs_bare):
        assert view["finding"].shape == (90, len(FINDINGS))
        assert np.allclose(view["finding"].sum(axis=1), 1.0)


@pytest.fixture(scope="module")
def shipped() -> Models:
    return load_models(DEFAULT_MODEL_PATH)


def test_the_shipped_models_read_finding_through_the_stack(shipped: Models) -> None:
    assert "finding_stack" in shipped.classifiers


def test_a_study_sure_of_its_efficacy_outcome_is_read_as_reporting_a_result(
    shipped: Models,
) -> None:
    """Same first-level finding, unsure between a positive result and none: where the outcome
    models are sure the study measures efficacy, the stacked finding leans to a result; where
    they find no outcome at all, to none."""
    unsure = np.array([[0.4, 0.05, 0.05, 0.5]])
    efficacy = np.zeros((1, len(OUTCOMES)))
    efficacy[0, OUTCOMES.index("efficacy")] = 0.95
    nothing = np.full((1, len(OUTCOMES)), 0.02)
    stack = shipped.classifiers["finding_stack"]
    with_efficacy = stack.predict_proba(stack_features({"finding": unsure, "outcomes": efficacy}))
    without = stack.predict_proba(stack_features({"finding": unsure, "outcomes": nothing}))
    none = FINDINGS.index("none")
    assert with_efficacy[0, none] < without[0, none]
    assert with_efficacy[0, FINDINGS.index("positive")] > without[0, FINDINGS.index("positive")]
