"""The classifiers: every field on real records, persistence with skops, parallel = sequential."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import FunctionTransformer

from core.article import LABEL_FIELDS, Article
from core.settings import PROJECT_DIR
from labels.corpus import Corpus
from labels.model import (
    CONDITIONS,
    DEFAULT_MODEL_PATH,
    DESIGNS,
    DRUGS,
    FINDINGS,
    OUTCOMES,
    ROUTES,
    TRUSTED_TYPES,
    ModelConfig,
    Models,
    compile_terms,
    design_rule,
    load_models,
    new_vectorizers,
    normalise,
    transform_terms,
)
from labels.terms import fit_vocabulary
from labels.training import VERSION_PREFIX, TrainingInputs, load_seed, train_models
from pubmed.parser import iter_records

DATA = PROJECT_DIR / "data"
FAST = ModelConfig(
    word_max_features=4000, title_max_features=1000, conclusion_max_features=1000, cv_folds=0
)


@pytest.fixture(scope="module")
def seed() -> tuple[list[Article], list[dict]]:
    return load_seed(DATA / "labels/seed-records.jsonl", DATA / "labels/seed-labels.jsonl")


@pytest.fixture(scope="module")
def small_models(seed) -> Models:  # type: ignore[no-untyped-def]
    records, labels = seed
    models, _ = train_models(TrainingInputs(Corpus(records, labels, []), []), FAST)
    return models


@pytest.fixture(scope="module")
def shipped() -> Models:
    return load_models(DEFAULT_MODEL_PATH)


@pytest.fixture(scope="module")
def ketamine_records() -> dict[str, Article]:
    with (DATA / "ketamine/ketamine-records.xml").open("rb") as stream:
        return {r.pmid: r for r in iter_records(stream) if isinstance(r, Article)}


def check_labels(article: Article) -> None:
    """Every label field is set and spelled as TAXONOMY.md spells it."""
    assert set(article.conditions) <= set(CONDITIONS)
    assert set(article.outcomes) <= set(OUTCOMES)
    assert set(article.routes) <= set(ROUTES)
    assert article.finding in FINDINGS and article.design in DESIGNS and article.drug in DRUGS
    assert article.sample_size is None or article.sample_size > 0
    assert [name for name, _ in article.confidence] == list(LABEL_FIELDS)
    assert all(0.0 <= p <= 1.0 for _, p in article.confidence)
    assert set(article.needs_review) <= set(LABEL_FIELDS)
    assert article.model_version and re.fullmatch(
        r"\d{4}\.\d{2}-[0-9a-f]{10}", article.model_version
    )


def test_predict_fills_every_field_and_nothing_else(small_models: Models, seed) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed
    labelled = small_models.predict(records[:30])
    for before, after in zip(records[:30], labelled, strict=True):
        check_labels(after)
        unchanged = {f.name for f in dataclasses.fields(Article)} - {
            *LABEL_FIELDS,
            "key_finding",
            "confidence",
            "model_version",
            "needs_review",
        }
        assert all(getattr(before, f) == getattr(after, f) for f in unchanged)
    assert small_models.predict([]) == []


def test_skops_round_trip_gives_identical_predictions(
    small_models: Models, seed, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed
    path = tmp_path / "m.skops"
    small_models.save(path)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    loaded = load_models(path)
    assert loaded.version == small_models.version
    assert [a.to_json() for a in loaded.predict(records[:25])] == [
        a.to_json() for a in small_models.predict(records[:25])
    ]


def test_a_file_with_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump({"classifiers": {"design": FunctionTransformer(print)}}, path)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        load_models(path)


def test_the_shipped_models_are_small_and_hold_only_trusted_types(shipped: Models) -> None:
    assert Path(DEFAULT_MODEL_PATH).stat().st_size < 5_000_000
    assert set(sio.get_untrusted_types(file=DEFAULT_MODEL_PATH)) <= set(TRUSTED_TYPES)
    assert TRUSTED_TYPES == ()  # nothing beyond skops' defaults: no type is trusted for us
    assert re.fullmatch(rf"{re.escape(VERSION_PREFIX)}-[0-9a-f]{{10}}", shipped.version)


def test_parallel_prediction_equals_sequential(small_models: Models, seed) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed
    batch = (records * 8)[:2100]
    assert [a.to_json() for a in small_models.predict(batch, n_jobs=2)] == [
        a.to_json() for a in small_models.predict(batch, n_jobs=1)
    ]


def test_indexing_is_optional(shipped: Models, ketamine_records: dict[str, Article]) -> None:
    """New records have no MeSH for days: the text alone must carry the prediction."""
    record = ketamine_records["409837"]  # Ketamine self-administration by the rhesus monkey.
    bare = dataclasses.replace(record, mesh=(), mesh_major=(), publication_types=())
    assert [a.design for a in shipped.predict([record, bare])] == ["preclinical", "preclinical"]


@pytest.mark.parametrize(
    ("title", "ptypes", "abstract", "expected"),
    [
        (
            "Esketamine Monotherapy in Adults With Treatment-Resistant Depression: A Randomized "
            "Clinical Trial.",
            ("Randomized Controlled Trial",),
            "",
            "rct",
        ),
        (
            "Follow-up effects of transcranial direct current stimulation (tDCS) for the major "
            "depressive episode: A systematic review and meta-analysis.",
            (),
            "",
            "meta_analysis",
        ),
        (
            "Combining Ketamine and Internet-Based Cognitive "
            "Behavioural Therapy for the Treatment of "
            "Post-Traumatic Stress Disorder: Protocol for a Randomized Control Trial.",
            (),
            "",
            "review",
        ),
        (
            "Teens' perspectives on yoga as a treatment for stress and depression.",
            (),
            "DESIGN: Qualitative analysis of data from three focus groups.",
            None,
        ),
        (
            "Needs and experiences of adolescents with congenital heart disease and parents in the "
            "transitional process: A qualitative study.",
            (),
            "",
            "other",
        ),
        (
            "Multimodule Web-Based COVID-19 Anxiety and Stress Resilience Training (COAST): "
            "Single-Cohort Feasibility Study With First Responders.",
            (),
            "",
            "nonrandomized_trial",
        ),
        (
            "Can Yoga or Physical Therapy for Chronic Low Back Pain Improve Depression?",
            (),
            "",
            None,
        ),
        (  # "analysis" is normalised to "analyzis": the rule must still read it
            "Ketamine for depression.",
            (),
            "We performed a meta-analysis of twelve randomised trials.",
            "meta_analysis",
        ),
    ],
)
def test_design_rules_read_stated_designs(
    title: str, ptypes: tuple[str, ...], abstract: str, expected: str | None
) -> None:
    record = Article(pmid="1", title=title, abstract=abstract, publication_types=ptypes)
    assert design_rule(record) == expected


# Whole records, hand-checked against TAXONOMY.md (and equal to the seed labels).
EXPECTED = {
    "31166571": {  # esketamine relapse-prevention RCT (SUSTAIN-1)
        "conditions": ("depression",),
        "finding": "positive",
        "design": "rct",
        "drug": "esketamine",
        "routes": ("intranasal",),
        "sample_size": 297,
    },
    "11323153": {  # case report: central post-stroke pain, IV then oral ketamine
        "conditions": ("chronic_pain",),
        "finding": "positive",
        "design": "case_report",
        "drug": "ketamine",
        "routes": ("iv", "oral"),
        "sample_size": 1,
    },
    "10895748": {  # i.m. ketamine vs morphine after tonsillectomy, randomised
        "conditions": (),
        "finding": "negative",  # guide rule 10: no difference between two actives (adjudicated)
        "design": "rct",
        "drug": "ketamine",
        "routes": ("intramuscular",),
        "sample_size": 80,
    },
    "409837": {  # ketamine self-administration in rhesus monkeys
        "conditions": (),
        "design": "preclinical",
        "drug": "ketamine",
        "routes": ("iv",),
        "sample_size": None,
    },
    "414255": {  # cannabinoids and anaesthesia in mice: ketamine one of the agents studied
        "conditions": (),
        "design": "preclinical",
        "drug": "ketamine",
        "routes": (),
        "sample_size": None,
    },
}


@pytest.mark.parametrize("pmid", sorted(EXPECTED))
def test_shipped_models_on_hand_checked_records(
    shipped: Models, ketamine_records: dict[str, Article], pmid: str
) -> None:
    labelled = shipped.predict([ketamine_records[pmid]])[0]
    check_labels(labelled)
    assert {k: getattr(labelled, k) for k in EXPECTED[pmid]} == EXPECTED[pmid]
    assert labelled.key_finding


def test_shipped_models_on_an_off_topic_record(shipped: Models, seed) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed
    record = next(r for r in records if r.pmid == "33864906")  # medical students and cannabis
    labelled = shipped.predict([record])[0]
    assert (labelled.drug, labelled.routes, labelled.design, labelled.sample_size) == (
        "not_studied",
        (),
        "observational",
        430,
    )
    assert labelled.key_finding == (
        "The findings of this study accentuate the need for curriculum designed around MC use to "
        "promote students' preparedness to serve patients in pain or with other medical "
        "conditions that may benefit from MC use."
    )


def test_fast_transform_equals_sklearn(seed) -> None:  # type: ignore[no-untyped-def]
    """The compiled vocabularies give exactly the matrices the fitted sklearn vectorisers give."""
    records, _ = seed
    texts = [normalise(f"{r.title}\n{r.abstract or ''}") for r in records]
    index = [" ".join(f"mesh_{m.lower().replace(' ', '_')}" for m in r.mesh) for r in records]
    for name, vec in new_vectorizers(FAST).items():
        docs = index if name == "index" else texts
        vec.fit(docs[:200])
        expected = vec.transform(docs[150:])
        got = transform_terms(compile_terms(vec), docs[150:])
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert abs(got - expected).max() < 1e-6, name


def test_the_vocabulary_cut_keeps_the_alphabetically_first_of_equal_terms() -> None:
    """Which of equally frequent terms make the cut does not depend on the CPU's sort: the
    same shipped models train on any machine (sklearn's own cut differed on AVX-512)."""
    words = [f"w{i:04d}" for i in range(3000)]
    # each word once, twice or three times, the tokens shuffled by a fixed permutation
    tokens = [w for i, w in enumerate(words) for _ in range(1 + i % 3)]
    tokens = [tokens[(j * 7919) % len(tokens)] for j in range(len(tokens))]
    texts = [" ".join(tokens[i : i + 10]) for i in range(0, len(tokens), 10)]
    most = words[2::3]
    twice = words[1::3]
    vec = TfidfVectorizer(token_pattern=r"[a-z0-9]+", lowercase=False)
    vec.set_params(max_features=len(most) + 500)
    fit_vocabulary(vec, texts)
    assert sorted(vec.vocabulary_) == sorted(most + twice[:500])


def test_a_fitted_vocabulary_weighs_terms_as_sklearn_does(seed) -> None:  # type: ignore[no-untyped-def]
    """Inverse document frequencies and matrices equal sklearn's on the same vocabulary."""
    records, _ = seed
    texts = [normalise(f"{r.title}\n{r.abstract or ''}") for r in records]
    vec = new_vectorizers(FAST)["text"]
    fit_vocabulary(vec, texts[:200])
    assert len(vec.vocabulary_) == FAST.word_max_features
    params = {k: v for k, v in vec.get_params().items() if k not in ("vocabulary", "max_features")}
    reference = TfidfVectorizer(**params, vocabulary=vec.vocabulary_).fit(texts[:200])
    assert abs(reference.transform(texts[150:]) - vec.transform(texts[150:])).max() < 1e-6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Respiratory depression after ketamine", "respiratory hypofunction after ketamine"),
        ("Preoperative anxiety in children", "preoperative apprehension in children"),
        ("Anxiety in analysed patients", "anxiety in analyzed patients"),
    ],
)
def test_normalise_renames_senses_that_are_not_the_conditions(text: str, expected: str) -> None:
    assert normalise(text) == expected
