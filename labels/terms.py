"""Fitted vocabularies: compiled for fast batch transforms, and stored as plain values."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class TermIndex:
    """A fitted vocabulary compiled for batch transforms (same output as the sklearn vectoriser).

    sklearn's analyser builds every n-gram string in Python; here a batch is tokenised by one
    regex per document, tokens become integer ids in one C-level ``map``, and bigrams become
    ``id * n_tokens + id`` keys looked up with ``searchsorted``: about ten times faster.
    """

    pattern: re.Pattern[str]
    tokens: dict[str, int]
    unigram_cols: np.ndarray  # token id -> column, or -1 where the token is no feature alone
    bigram_keys: np.ndarray  # sorted first_id * n_tokens + second_id
    bigram_cols: np.ndarray
    n_features: int
    idf: np.ndarray | None  # None for a binary count vectoriser
    sublinear: bool


def compile_terms(vec: CountVectorizer) -> TermIndex:
    """Compile a fitted vectoriser's vocabulary (unigrams and bigrams only)."""
    if vec.ngram_range[1] > 2 or vec.lowercase or vec.analyzer != "word":
        raise ValueError("compile_terms supports lower-cased input, words, 1-2 grams")
    tokens: dict[str, int] = {}
    unigrams: list[tuple[int, int]] = []
    bigrams: list[tuple[str, str, int]] = []
    for term, col in vec.vocabulary_.items():
        parts = term.split(" ")
        for p in parts:
            tokens.setdefault(p, len(tokens))
        if len(parts) == 1:
            unigrams.append((tokens[term], col))
        else:
            bigrams.append((parts[0], parts[1], col))
    n_tok = max(1, len(tokens))
    unigram_cols = np.full(n_tok, -1, dtype=np.int64)
    for tok, col in unigrams:
        unigram_cols[tok] = col
    keys = np.array([tokens[a] * n_tok + tokens[b] for a, b, _ in bigrams], dtype=np.int64)
    cols = np.array([c for *_, c in bigrams], dtype=np.int64)
    order = np.argsort(keys)
    is_tfidf = isinstance(vec, TfidfVectorizer)
    return TermIndex(
        pattern=re.compile(vec.token_pattern),
        tokens=tokens,
        unigram_cols=unigram_cols,
        bigram_keys=keys[order],
        bigram_cols=cols[order],
        n_features=len(vec.vocabulary_),
        idf=np.asarray(vec.idf_, dtype=np.float32) if is_tfidf else None,
        sublinear=bool(is_tfidf and vec.sublinear_tf),
    )


def transform_terms(terms: TermIndex, texts: Sequence[str]) -> sp.csr_matrix:
    """The TF-IDF (l2-normalised) or binary count matrix of ``texts``, as float32 CSR."""
    n = len(texts)
    findall = terms.pattern.findall
    lists = [findall(t) for t in texts]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    flat = itertools.chain.from_iterable(lists)
    ids = np.fromiter(
        map(terms.tokens.get, flat, itertools.repeat(-1)), dtype=np.int64, count=int(lengths.sum())
    )
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    known = ids >= 0
    uni = np.full(len(ids), -1, dtype=np.int64)
    uni[known] = terms.unigram_cols[ids[known]]
    rows, cols = [doc[uni >= 0]], [uni[uni >= 0]]
    if len(terms.bigram_keys) and len(ids) > 1:
        pair = known[:-1] & known[1:] & (doc[:-1] == doc[1:])
        keys = ids[:-1][pair] * len(terms.unigram_cols) + ids[1:][pair]
        pos = np.minimum(np.searchsorted(terms.bigram_keys, keys), len(terms.bigram_keys) - 1)
        hit = terms.bigram_keys[pos] == keys
        rows.append(doc[:-1][pair][hit])
        cols.append(terms.bigram_cols[pos[hit]])
    r, c = np.concatenate(rows), np.concatenate(cols)
    X = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, terms.n_features))
    X.sum_duplicates()
    if terms.idf is None:
        X.data[:] = 1.0
        return X
    if terms.sublinear:
        np.log(X.data, out=X.data)
        X.data += 1.0
    X.data *= terms.idf[X.indices]
    return normalize(X, copy=False)


def fit_vocabulary(vec: CountVectorizer, texts: Sequence[str]) -> None:
    """Fit ``vec`` keeping its ``max_features`` most frequent terms, ties going to the
    alphabetically first.

    scikit-learn's own cut orders equal frequencies with numpy's default sort, whose order among
    ties depends on the CPU's SIMD kernels: trained on a machine with AVX-512, 484 of the 30,000
    text terms (all at the cut's frequency) differed, and with them every model.
    """
    limit = vec.max_features
    if limit is None:
        vec.fit(texts)
        return
    params = vec.get_params()
    counter = CountVectorizer(
        token_pattern=params["token_pattern"],
        lowercase=params["lowercase"],
        ngram_range=params["ngram_range"],
        min_df=params["min_df"],
        max_df=params["max_df"],
        dtype=np.int64,
    )
    counts = counter.fit_transform(texts)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    # Columns are in alphabetical order, so a stable sort breaks ties alphabetically.
    keep = np.sort(np.argsort(-frequency, kind="stable")[:limit])
    terms = counter.get_feature_names_out()[keep]
    vec.set_params(vocabulary={str(t): i for i, t in enumerate(terms)})
    vec._validate_vocabulary()
    if isinstance(vec, TfidfVectorizer):
        vec.idf_ = TfidfTransformer(smooth_idf=vec.smooth_idf).fit(counts[:, keep]).idf_


_VECTORIZER_PARAMS = (
    "token_pattern",
    "lowercase",
    "ngram_range",
    "min_df",
    "max_features",
    "sublinear_tf",
    "binary",
)


def vectorizer_state(vec: CountVectorizer) -> dict[str, Any]:
    """A vectoriser as plain values: its vocabulary as one string in column order, its idf.

    Kept this way because a 30,000-entry dict costs seconds to load through skops, an array
    and a string cost milliseconds.
    """
    params = {k: v for k, v in vec.get_params().items() if k in _VECTORIZER_PARAMS}
    params["ngram_range"] = list(params["ngram_range"])
    terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    state: dict[str, Any] = {
        "kind": "tfidf" if isinstance(vec, TfidfVectorizer) else "count",
        "params": params,
        "vocabulary": "\n".join(terms),
    }
    if isinstance(vec, TfidfVectorizer):
        state["idf"] = np.asarray(vec.idf_, dtype=np.float64)
    return state


def vectorizer_from_state(state: Mapping[str, Any]) -> CountVectorizer:
    params = dict(state["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    terms = state["vocabulary"].split("\n") if state["vocabulary"] else []
    vocabulary = {t: i for i, t in enumerate(terms)}
    cls = TfidfVectorizer if state["kind"] == "tfidf" else CountVectorizer
    vec = cls(vocabulary=vocabulary, dtype=np.float32, **params)
    vec._validate_vocabulary()
    if state["kind"] == "tfidf":
        vec.idf_ = np.asarray(state["idf"])
    return vec
