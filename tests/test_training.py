"""Training: the corpus and its frozen split, folds, out-of-fold scoring, calibration, review,
corrections, determinism, and the shipped models reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.article import Article
from core.settings import PROJECT_DIR
from labels.calibration import apply_curve, fit_curve, review_threshold
from labels.config import DEFAULT_MODEL_PATH, ModelConfig
from labels.corpus import (
    Corpus,
    FrozenSplitLeak,
    gold_labels,
    load_corpus,
    load_test_pmids,
    split_corpus,
)
from labels.fitting import fit_models, prepare
from labels.model import design_rule, load_models
from labels.training import (
    GOALS,
    Correction,
    TrainingInputs,
    build_distant_labels,
    fold_indices,
    load_seed,
    repository_inputs,
    train_models,
)
from pubmed.parser import iter_records

DATA = PROJECT_DIR / "data"
# Small settings for tests: fewer features, no cross-validation.
FAST = ModelConfig(
    word_max_features=4000, title_max_features=1000, conclusion_max_features=1000, cv_folds=0
)


def inputs(records, labels, distant=(), corrections=(), test_pmids=frozenset()):  # type: ignore[no-untyped-def]
    corpus = Corpus(list(records), [dict(x) for x in labels], ["seed"] * len(records))
    return TrainingInputs(corpus, list(distant), list(corrections), test_pmids=test_pmids)


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
    assert all(set(lab) >= {"design", "finding", "conditions"} for lab in labels)


def test_corpus_gold_labels_and_the_frozen_split() -> None:
    corpus = load_corpus(PROJECT_DIR)
    test_pmids = load_test_pmids(DATA / "labels/test-split.txt")
    train, test = split_corpus(corpus, test_pmids)
    assert len(corpus.articles) == 7059 and len(test_pmids) == 600
    assert len(test.articles) == 600 and len(train.articles) == 6459
    assert not {a.pmid for a in train.articles} & test_pmids
    assert set(corpus.sources) == {"seed", "agent", "adjudicated"}
    assert all(a.abstract for a in corpus.articles)


def test_gold_is_the_latest_adjudication_then_seed_then_agent() -> None:
    base = {"conditions": [], "outcomes": [], "drug": "not_studied", "routes": []}
    base |= {"design": "other", "sample_size": None}
    rows = [
        {**base, "pmid": "1", "finding": "positive", "source": "agent"},
        {**base, "pmid": "1", "finding": "mixed", "source": "adjudicated"},
        {**base, "pmid": "1", "finding": "none", "source": "agent"},
        {**base, "pmid": "2", "finding": "none", "source": "agent"},
        {**base, "pmid": "2", "finding": "negative", "source": "seed"},
        {**base, "pmid": "3", "finding": "none", "source": "adjudicated"},
        {**base, "pmid": "3", "finding": "none", "source": "agent"},
        {**base, "pmid": "3", "finding": "positive", "source": "adjudicated"},  # a re-reading
    ]
    gold = gold_labels(rows)
    assert gold["1"][0]["finding"] == "mixed" and gold["1"][1] == "adjudicated"
    assert gold["2"][0]["finding"] == "negative" and gold["2"][1] == "seed"
    assert gold["3"][0]["finding"] == "positive"  # the later adjudication stands


def test_training_refuses_frozen_test_records(seed) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    leaked = frozenset({records[3].pmid})
    with pytest.raises(FrozenSplitLeak):
        train_models(inputs(records, labels, test_pmids=leaked), FAST)
    # A test record among the distant records or corrections is dropped, never trained on.
    keep = records[10:]
    data = prepare(
        keep,
        labels[10:],
        records[:10],
        [Correction(records[0].pmid, "design", "other")],
        FAST,
        test_pmids=frozenset(r.pmid for r in records[:5]),
    )
    assert not set(data.distant_pmids) & {r.pmid for r in records[:5]}
    data.distant_pmids.append(records[0].pmid)  # and a fit refuses one that slipped in
    with pytest.raises(FrozenSplitLeak):
        fit_models(data, range(len(keep)), FAST)


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
        cv_folds=3,
        min_df=1,
        gold_index_dropout=0.0,
        C={"design": 1e4, "finding": 1e4, "conditions": 1e4, "outcomes": 1e4},
        # the stacked finding model learns, out of fold, not to trust a memoriser's finding,
        # so in sample it would not memorise: this test is about the first-level models
        finding_stack=False,
    )
    models, report = train_models(inputs(records, labels), memorise)
    in_sample = models.predict(records)
    finding_train = np.mean(
        [p.finding == g["finding"] for p, g in zip(in_sample, labels, strict=True)]
    )
    assert finding_train > 0.98
    out = report.to_json()
    assert out["cross_validation"]["with_indexing"]["finding"]["accuracy"] < 0.9
    held_out = [set(f) for f in out["folds"]]
    assert sum(map(len, held_out)) == len(records) == len(set().union(*held_out))
    assert {p["pmid"] for p in out["predictions"]} == {r.pmid for r in records}


def test_report_has_metrics_calibration_review_and_goals(seed, efetch_records) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    config = ModelConfig(
        word_max_features=4000, title_max_features=1000, conclusion_max_features=1000, cv_folds=3
    )
    test = Corpus(records[:40], labels[:40], ["seed"] * 40)
    data = inputs(records[40:], labels[40:], efetch_records)
    data.test, data.test_pmids = test, frozenset(a.pmid for a in test.articles)
    models, report = train_models(data, config)
    out = report.to_json()
    json.dumps(out)  # JSON-serialisable as it stands
    for part in (out["cross_validation"], out["frozen_split"]):
        for view in ("with_indexing", "without_indexing"):
            fields = part[view]
            for name in ("finding", "design", "drug"):
                matrix = fields[name]["confusion_matrix"]["rows_gold_cols_predicted"]
                assert sum(map(sum, matrix)) == fields["n"]
            for name in ("finding", "design", "conditions", "outcomes", "sample_size"):
                assert 0.0 <= fields[name]["calibration"]["brier"] <= 1.0
                assert 0.0 <= fields[name]["review"]["share_flagged"] <= 1.0
            assert set(fields["goals"]) == {g[0] for g in GOALS}
    assert out["frozen_split"]["with_indexing"]["n"] == 40
    assert out["data"]["distant_indexing"] > 0
    assert set(models.calibration) == set(models.review_thresholds) >= {"finding", "design"}
    labelled = models.predict(records[:40])
    for a in labelled:
        conf = dict(a.confidence)
        flagged = {k for k, v in conf.items() if v < models.review_thresholds[k]}
        assert set(a.needs_review) == flagged


def test_calibration_maps_confidence_to_accuracy_and_sets_the_review_point() -> None:
    rng = np.random.default_rng(0)
    raw = rng.random(2000)
    right = rng.random(2000) < raw**2  # over-confident: right less often than it says
    curve = fit_curve(raw.tolist(), right.tolist())
    assert apply_curve(curve, 0.9) == pytest.approx(0.81, abs=0.08)
    assert apply_curve(curve, 0.3) < apply_curve(curve, 0.6) < apply_curve(curve, 0.95)
    calibrated = [apply_curve(curve, c) for c in raw]
    threshold = review_threshold(calibrated, right.tolist(), 0.8)
    assert 0.7 <= threshold <= 0.9
    assert review_threshold([0.95] * 50, [True] * 50, 0.8) == 0.0  # nothing to review


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
        cv_folds=0,
        C={"design": 1e4, "finding": 1.0, "conditions": 1.0, "outcomes": 1.0},
    )
    plain, _ = train_models(inputs(records, labels), memorise)
    corrections = [Correction(pmid, "finding", "mixed"), Correction(pmid, "design", "other")]
    fixed, _ = train_models(inputs(records, labels, [], corrections), memorise)
    assert plain.predict([records[target]])[0].design == "observational"
    assert fixed.predict([records[target]])[0].design == "other"
    assert fixed.version != plain.version


def test_training_is_deterministic(seed, efetch_records) -> None:  # type: ignore[no-untyped-def]
    records, labels = seed
    a, _ = train_models(inputs(records, labels, efetch_records), FAST)
    b, _ = train_models(inputs(records, labels, efetch_records), FAST)
    assert a.version == b.version
    assert [x.to_json() for x in a.predict(records[:40])] == [
        x.to_json() for x in b.predict(records[:40])
    ]
    assert np.array_equal(a.classifiers["design"].coef_, b.classifiers["design"].coef_)


@pytest.mark.slow
def test_training_reproduces_the_shipped_models() -> None:
    """Training on the repository's data (a clean checkout) gives the committed models: every
    label the same, and confidences and report figures the same up to the last bits in which
    CPUs with other SIMD kernels round differently (``labels.model.NEWTON_TOL``)."""
    repo = repository_inputs(PROJECT_DIR)
    trained, report = train_models(repo)
    shipped = load_models(DEFAULT_MODEL_PATH)
    assert trained.version == shipped.version == report.model_version
    assert repo.test is not None
    sample = repo.labelled.articles[::40] + repo.test.articles[::10]
    got = [a.to_json() for a in trained.predict(sample)]
    want = [a.to_json() for a in shipped.predict(sample)]
    assert [_without(r, "confidence") for r in got] == [_without(r, "confidence") for r in want]
    for g, w in zip(got, want, strict=True):
        assert _close(g["confidence"], w["confidence"]), g["pmid"]
    saved = json.loads((Path(DEFAULT_MODEL_PATH).parent / "training-report.json").read_text())
    assert saved["model_version"] == shipped.version
    assert _close(saved["thresholds"], report.to_json()["thresholds"])
    assert _close(saved["frozen_split"], report.to_json()["frozen_split"])


def _without(record: dict, key: str) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in record.items() if k != key}


def _close(a: object, b: object, tol: float = 5e-3) -> bool:
    """Equal JSON, numbers within ``tol`` (counts, labels and keys exactly)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= tol
    return a == b


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
        cv_folds=0,
        C={"design": 1e4, "finding": 1.0, "conditions": 1.0, "outcomes": 1.0},
    )
    corrections = [
        Correction(target.pmid, "design", "other"),
        Correction(target.pmid, "outcomes", []),
    ]
    fixed, _ = train_models(inputs(records, labels, efetch_records, corrections), memorise)
    assert fixed.predict([target])[0].design == "other"


def test_finding_weights_raise_negative_recall_only_while_accuracy_holds() -> None:
    """Out-of-fold class weights call more studies negative, but never below the accuracy floor."""
    from labels.training import _finding_weights

    gold = ["none"] * 8 + ["negative"] * 2
    # Both negatives lose narrowly to "none"; one "none" record leans negative even more.
    probs = np.array(
        [[0.05, 0.05, 0.0, 0.9]] * 7 + [[0.0, 0.48, 0.0, 0.52]] + [[0.0, 0.45, 0.0, 0.55]] * 2
    )
    labels = [{"finding": g} for g in gold]
    lenient = _finding_weights(probs, labels, ModelConfig(finding_accuracy_floor=0.85))
    pred = (probs * np.array(lenient)).argmax(axis=1)
    assert list(pred[8:]) == [1, 1]  # both negatives found
    assert np.mean(pred == np.array([3] * 8 + [1] * 2)) >= 0.85
    strict = _finding_weights(probs, labels, ModelConfig(finding_accuracy_floor=0.95))
    assert strict == [1.0, 1.0, 1.0, 1.0]  # finding both costs the lean record: 0.9 < 0.95
