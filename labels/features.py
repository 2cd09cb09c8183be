"""Features: the text views of an article, the cue blocks and the vectorised batch."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from core.article import DRUGS, Article
from labels.config import ModelConfig
from labels.cue_patterns import (
    CONDITION_NAMES,
    CONDITION_STEMS,
    CUES,
    DIRECTION_CUES,
    FINDING_CUES,
    TOPICS,
)
from labels.rules.drug import extract_drug, mentions_ketamine
from labels.rules.key_finding import extract_key_finding
from labels.terms import TermIndex, compile_terms, fit_vocabulary, transform_terms
from labels.text import normalise, sentences


@dataclass(frozen=True, slots=True)
class Document:
    """The text views and rule outputs of one article that the features read."""

    text: str
    title: str
    index: str
    conclusion: str
    aim: str
    key_finding: str | None
    drug: str
    drug_confidence: float


def _index_tokens(article: Article) -> str:
    tokens = [f"pt_{p}" for p in article.publication_types]
    tokens += [f"mesh_{m}" for m in article.mesh]
    return " ".join(re.sub(r"\W+", "_", t.lower()) for t in tokens)


_AIM_LABEL = re.compile(r"objective|aims?\b|purpose|goal|question", re.I)
_AIM_SENTENCE = re.compile(
    r"\b(?:aims?|aimed|objectives?|purpose|goal|hypothesi[sz]ed|"
    r"we (?:investigated|examined|assessed|evaluated|explored|sought|compared|tested|studied)|"
    r"(?:was|is) to (?:investigate|examine|assess|evaluate|explore|determine|compare|test))\b",
    re.I,
)


def _aim(article: Article) -> str:
    """The study's objective (TAXONOMY: a condition counts where the title or objective names it).

    The OBJECTIVE section of a structured abstract, else the first sentence stating an aim.
    """
    for section in article.abstract_sections:
        if (section.category or "").upper() == "OBJECTIVE" or (
            section.label and _AIM_LABEL.search(section.label)
        ):
            return section.text
    for sentence in sentences(article.abstract or ""):
        if _AIM_SENTENCE.search(sentence):
            return sentence
    return ""


def document(article: Article, with_index: bool = True) -> Document:
    """Build the feature views of one article (indexing tokens only if ``with_index``)."""
    title = normalise(article.title or "")
    text = f"{title}\n{normalise(article.abstract or '')}"
    key_finding = extract_key_finding(article)
    if mentions_ketamine(text):
        drug, drug_conf = extract_drug(article)
    else:
        drug, drug_conf = "not_studied", 0.99
    return Document(
        text=text,
        title=title,
        index=_index_tokens(article) if with_index else "",
        conclusion=normalise(key_finding or ""),
        aim=normalise(_aim(article)),
        key_finding=key_finding,
        drug=drug,
        drug_confidence=drug_conf,
    )


_TOPIC_VIEWS = ("title", "text", "conclusion", "aim")
# Views without a vectoriser of their own: they are transformed with another view's vocabulary.
_SHARED_VOCABULARY = {"aim": "text"}
CUE_NAMES = {
    "design_cues": (*(c[0] for c in CUES), *(f"drug_{d}" for d in DRUGS), "no_abstract"),
    "finding_cues": tuple(c[0] for c in FINDING_CUES),
    "topic_cues": tuple(f"{t}_{w}" for t, _ in TOPICS for w in (*_TOPIC_VIEWS, "target")),
    "direction_cues": tuple(c[0] for c in DIRECTION_CUES),
    "condition_names": tuple(f"{c}_{v}" for c, _ in CONDITION_NAMES for v in _TOPIC_VIEWS),
}
_NAME_PATTERNS = tuple((c, re.compile(p)) for c, p in CONDITION_NAMES)


def _all_cues() -> list[tuple[str, str, str]]:
    topics = [(f"{t}_{view}", view, pattern) for t, pattern in TOPICS for view in _TOPIC_VIEWS]
    return [*CUES, *FINDING_CUES, *DIRECTION_CUES, *topics]


def cue_columns(vectorizers: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """For each view and cue, the vocabulary columns whose term matches the cue's pattern."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, view, pattern in _all_cues():
        rx = re.compile(pattern)
        vocab = vectorizers[_SHARED_VOCABULARY.get(view, view)].vocabulary_
        cols = sorted(i for term, i in vocab.items() if rx.search(term))
        out.setdefault(view, {})[name] = np.array(cols, dtype=np.int32)
    return out


def _cue_counts(
    blocks: Mapping[str, sp.csr_matrix], cue_index: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Count each cue's terms present per document, with one sparse product per view."""
    counts: dict[str, np.ndarray] = {}
    for view, cues in cue_index.items():
        X = blocks[view]
        present = sp.csr_matrix((np.ones_like(X.data), X.indices, X.indptr), shape=X.shape)
        names = list(cues)
        rows = np.concatenate([cues[n] for n in names]) if names else np.array([], dtype=int)
        cols = np.concatenate([np.full(len(cues[n]), j) for j, n in enumerate(names)])
        P = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(X.shape[1], len(names))
        )
        dense = np.asarray((present @ P).todense())
        for j, n in enumerate(names):
            counts[n] = dense[:, j]
    return counts


def _cue_blocks(
    counts: Mapping[str, np.ndarray], docs: Sequence[Document], scale: float
) -> dict[str, sp.csr_matrix]:
    """The design, finding and topic cue blocks, each feature in [0, scale]."""
    n = len(docs)
    design = [np.minimum(counts[c[0]], 6) / 6.0 for c in CUES]
    design += [np.array([float(d.drug == drug) for d in docs]) for drug in DRUGS]
    design.append(np.array([float(len(d.text) - len(d.title) < 5) for d in docs]))
    finding = [np.minimum(counts[c[0]], 1) for c in FINDING_CUES]
    topic = []
    for t, _ in TOPICS:
        title, text, concl, aim = (counts[f"{t}_{v}"] for v in _TOPIC_VIEWS)
        # TAXONOMY: a target is "typically named in the title or the objective", not in passing.
        target = (title > 0) | ((text >= 2) & (concl > 0)) | (text >= 4)
        topic += [
            np.minimum(title, 1),
            np.minimum(text, 6) / 6.0,
            np.minimum(concl, 1),
            np.minimum(aim, 1),
            target,
        ]
    blocks = {
        name: sp.csr_matrix(np.column_stack(cols).reshape(n, len(cols)).astype(np.float32) * scale)
        for name, cols in (
            ("design_cues", design),
            ("finding_cues", finding),
            ("topic_cues", topic),
        )
    }
    # Models saved before these cues existed have no columns for them: zeros, never read.
    none = np.zeros(n, dtype=np.float32)
    direction = [np.minimum(counts.get(c[0], none), 1) for c in DIRECTION_CUES]
    blocks["direction_cues"] = sp.csr_matrix(
        np.column_stack(direction).reshape(n, len(direction)).astype(np.float32) * scale
    )
    blocks["condition_names"] = _condition_names(docs, scale)
    return blocks


def _condition_names(docs: Sequence[Document], scale: float) -> sp.csr_matrix:
    """Per condition and view, whether the view names it (the text: how often, up to 3)."""
    out = np.zeros((len(docs), len(_NAME_PATTERNS) * len(_TOPIC_VIEWS)), dtype=np.float32)
    for i, doc in enumerate(docs):
        text = doc.text
        for j, (condition, rx) in enumerate(_NAME_PATTERNS):
            if not any(stem in text for stem in CONDITION_STEMS[condition]):
                continue
            hits = [m.start() for m in rx.finditer(text)]
            if not hits:
                continue  # a name absent from the text is absent from every view
            col = j * len(_TOPIC_VIEWS)
            out[i, col] = hits[0] < len(doc.title)  # the text opens with the title
            out[i, col + 1] = min(len(hits), 3) / 3.0
            out[i, col + 2] = bool(doc.conclusion) and rx.search(doc.conclusion) is not None
            out[i, col + 3] = bool(doc.aim) and rx.search(doc.aim) is not None
    return sp.csr_matrix(out * scale)


def vectorize(
    vectorizers: Mapping[str, Any],
    docs: Sequence[Document],
    fit: bool = False,
    terms: Mapping[str, TermIndex] | None = None,
) -> dict[str, sp.csr_matrix]:
    """The TF-IDF and indexing blocks of a batch (fitting the vectorisers first if ``fit``)."""
    if fit:
        for name, vec in vectorizers.items():
            fit_vocabulary(vec, [getattr(d, name) for d in docs])
    if terms is None or fit:
        terms = {name: compile_terms(vec) for name, vec in vectorizers.items()}
    blocks = {n: transform_terms(terms[n], [getattr(d, n) for d in docs]) for n in terms}
    for view, shared in _SHARED_VOCABULARY.items():
        if shared in terms:
            blocks[view] = transform_terms(terms[shared], [getattr(d, view) for d in docs])
    return blocks


def build_features(
    vectorizers: Mapping[str, Any],
    cue_index: Mapping[str, Mapping[str, np.ndarray]],
    docs: Sequence[Document],
    cue_scale: float = 1.0,
    blocks: dict[str, sp.csr_matrix] | None = None,
    terms: Mapping[str, TermIndex] | None = None,
) -> dict[str, sp.csr_matrix]:
    """All feature blocks of a batch: TF-IDF views, indexing tokens and cue flags."""
    blocks = vectorize(vectorizers, docs, terms=terms) if blocks is None else blocks
    blocks.update(_cue_blocks(_cue_counts(blocks, cue_index), docs, cue_scale))
    return blocks


def field_matrix(blocks: Mapping[str, sp.csr_matrix], names: Sequence[str]) -> sp.csr_matrix:
    """The columns one field's classifier reads."""
    return sp.hstack([blocks[n] for n in names], format="csr")


def new_vectorizers(config: ModelConfig) -> dict[str, Any]:
    """Unfitted vectorisers for the feature blocks."""
    token = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
    return {
        "text": TfidfVectorizer(
            token_pattern=token,
            lowercase=False,
            ngram_range=(1, 2),
            min_df=config.min_df,
            max_features=config.word_max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ),
        "title": TfidfVectorizer(
            token_pattern=token,
            lowercase=False,
            ngram_range=(1, 2),
            min_df=config.min_df,
            max_features=config.title_max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ),
        "conclusion": TfidfVectorizer(
            token_pattern=token,
            lowercase=False,
            ngram_range=(1, 2),
            min_df=config.min_df,
            max_features=config.conclusion_max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ),
        "index": CountVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            binary=True,
            min_df=config.min_df,
            dtype=np.float32,
        ),
    }
