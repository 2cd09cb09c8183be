"""Training and cross-validation: folds, held-out scoring, corrections, determinism, the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.article import Article
from core.settings import PROJECT_DIR
from labels.model import DEFAULT_MODEL_PATH, ModelConfig, design_rule, load_models
from labels.training import (
    GOALS,
    Correction,
    build_distant_labels,
    cross_validate,
    fold_indices,
    load_seed,
    repository_inputs,
    train_models,
)
from pubmed.parser import iter_records

DATA = PROJECT_DIR / "data"
# Small settings for tests: fewer features, no inner threshold folds.
FAST = ModelConfig(
    word_max_features=4000, title_max_features=1000, conclusion_max_features=1000, threshold_folds=0
)


@pytest.fixture(scope="module")
def seed() -> tuple[list[Article], list[dict]]:
    return load_seed(DATA / "labels/seed-records.jsonl", DATA / "labels/seed-labels.jsonl")


@pytest.fixture(scope="module")
def ketamine_xml() -> list[Article]:
    with (DATA / "ketamine/ketamine-records.xml").open("rb") as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]


@pytest.fixture(scope="module")
def efetch_records() -> list[Article]:
    """Real single-record efetch responses (metapub's fixtures): a small distant set."""
    out = []
    for path in sorted((PROJECT_DIR / "tests/data/formats/metapub-efetch").glob("*.xml")):
        with path.open("rb") as stream:
            out += [r for r in iter_records(stream) if isinstance(r, Article) and r.abstract]
    return out


def test_seed_loads_aligned(seed: tuple[list[Article], list[dict]]) -> None:
    records, labels = seed
    assert len(records) == len(labels) == 287
    assert all(r.pmid == lab["pmid"] for r, lab in zip(records, labels, strict=True))


def test_folds_are_disjoint_cover_every_record_and_are_stratified(seed) -> None:  # type: ignore[no-untyped-def]
    _, labels = seed
    folds = fold_indices(labels, 5, seed=0)
    flat = [i for f in folds for i in f]
    assert sorted(flat) == list(range(len(labels)))  # disjoint and complete
    assert max(map(len, folds)) - min(map(len, folds)) <= 6  # sizes within ~10%
    for design in ("rct", "meta_analysis", "case_report"):  # rare classes spread over folds
        per_fold = [sum(labels[i]["design"] == design for i in f) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1, (design, per_fold)
    assert folds == fold_indices(labels, 5, seed=0)


def test_cross_validation_scores_only_held_out_records(seed) -> None:  # type: ignore[no-untyped-def]
    """A memorising model is perfect on its own training records but not on held-out folds."""
    records, labels = seed
    memorise = ModelConfig(
        word_max_features=4000,
        title_max_features=1000,
        conclusion_max_features=1000,
        threshold_folds=0,
        min_df=1,
        C={"design": 1e4, "finding": 1e4, "conditions": 1e4, "outcomes": 1e4},
    )
    models, _ = train_models(records, labels, [], config=memorise)
    in_sample = models.predict(records)
    finding_train = np.mean(
        [p.finding == g["finding"] for p, g in zip(in_sample, labels, strict=True)]
    )
    assert finding_train > 0.98
    report = cross_validate(records, labels, [], config=memorise).to_json()
    assert report["fields"]["finding"]["accuracy"] < 0.9
    held_out = [set(f) for f in report["folds"]]
    assert sum(map(len, held_out)) == len(records) == len(set().union(*held_out))
    assert {p["pmid"] for p in report["predictions"]} == {r.pmid for r in records}


def test_report_has_metrics_confusion_matrices_calibration_and_goals(seed, efetch_records) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    report = cross_validate(records, labels, efetch_records, config=FAST, n_splits=3).to_json()
    json.dumps(report)  # JSON-serialisable as it stands
    fields = report["fields"]
    for name in ("conditions", "outcomes", "routes"):
        assert 0.0 <= fields[name]["micro_f1"] <= 1.0
        assert (
            set(fields[name]["per_label"]) >= {"precision", "recall"} or fields[name]["per_label"]
        )
    for name in ("finding", "design", "drug"):
        matrix = fields[name]["confusion_matrix"]["rows_gold_cols_predicted"]
        assert sum(map(sum, matrix)) == len(records)
    for name in ("finding", "design", "conditions", "outcomes"):
        calibration = fields[name]["calibration"]
        assert 0.0 <= calibration["brier"] <= 2.0
        assert sum(b["count"] for b in calibration["reliability"]) > 0
    assert set(fields["goals"]) == set(GOALS)
    assert 0.0 <= fields["design"]["rct_recall"] <= 1.0
    assert fields["sample_size"]["n_stated"] == sum(
        lab["sample_size"] is not None for lab in labels
    )
    assert report["n_distant"] > 0


def test_distant_labels_from_indexing(ketamine_xml: list[Article]) -> None:
    labels = build_distant_labels(ketamine_xml)
    assert labels["40601310"]["design"] == "rct"  # Randomized Controlled Trial
    assert labels["409313"]["design"] == "case_report"  # Case Reports
    assert labels["409837"]["design"] == "preclinical"  # Animals, no Humans (rhesus monkeys)
    assert labels["33992694"]["design"] == "review"  # Review
    assert labels["33984391"]["conditions"] == ("depression",)  # keyword "Depression"
    assert labels["414255"]["conditions"] == ()  # major MeSH, none of the four
    assert "11498314" not in labels  # "Prospective Studies" of a randomised trial: no label


def test_corrections_override_seed_labels(seed) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    target = next(i for i, lab in enumerate(labels) if lab["design"] == "observational")
    pmid = records[target].pmid
    memorise = ModelConfig(
        word_max_features=4000,
        title_max_features=1000,
        conclusion_max_features=1000,
        threshold_folds=0,
        C={"design": 1e4, "finding": 1.0, "conditions": 1.0, "outcomes": 1.0},
    )
    plain, _ = train_models(records, labels, [], config=memorise)
    fixed, _ = train_models(
        records,
        labels,
        [],
        [Correction(pmid, "finding", "mixed"), Correction(pmid, "design", "other")],
        config=memorise,
    )
    assert plain.predict([records[target]])[0].design == "observational"
    assert fixed.predict([records[target]])[0].design == "other"
    assert fixed.version != plain.version


def test_training_is_deterministic(seed, efetch_records) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    a, _ = train_models(records, labels, efetch_records, config=FAST)
    b, _ = train_models(records, labels, efetch_records, config=FAST)
    assert a.version == b.version
    assert [x.to_json() for x in a.predict(records[:40])] == [
        x.to_json() for x in b.predict(records[:40])
    ]
    assert np.array_equal(a.classifiers["design"].coef_, b.classifiers["design"].coef_)


@pytest.mark.slow
def test_training_reproduces_the_shipped_models() -> None:
    """``python -m labels.training`` on the repository's data gives the committed models."""
    records, labels, distant = repository_inputs(PROJECT_DIR)
    trained, report = train_models(records, labels, distant)
    shipped = load_models(DEFAULT_MODEL_PATH)
    assert trained.version == shipped.version == report.model_version
    sample = records[::7]
    assert [a.to_json() for a in trained.predict(sample)] == [
        a.to_json() for a in shipped.predict(sample)
    ]
    saved = json.loads((Path(DEFAULT_MODEL_PATH).parent / "training-report.json").read_text())
    assert saved["model_version"] == shipped.version


def test_corrections_of_ingested_records_train_at_full_weight(seed, efetch_records) -> None:  # type: ignore[no-untyped-def]
    """A reviewer's label on a record outside the seed set trains like a seed label."""
    records, labels = seed
    target = next(  # a record whose design no rule states
        a for a in efetch_records if design_rule(a) is None and "random" not in a.abstract.lower()
    )
    memorise = ModelConfig(
        word_max_features=4000,
        title_max_features=1000,
        conclusion_max_features=1000,
        threshold_folds=0,
        C={"design": 1e4, "finding": 1.0, "conditions": 1.0, "outcomes": 1.0},
    )
    fixed, _ = train_models(
        records,
        labels,
        efetch_records,
        [Correction(target.pmid, "design", "other"), Correction(target.pmid, "outcomes", [])],
        config=memorise,
    )
    assert fixed.predict([target])[0].design == "other"
