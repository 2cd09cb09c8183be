"""Pure ML: the label names, the features, the per-field classifiers and the model version.

A batch is vectorised once into feature blocks (TF-IDF of title+abstract, of the title and of
the conclusion; PubMed indexing tokens; cue counts projected from the fitted vocabularies, the
objective sentence read with the title+abstract vocabulary) and each field's classifier, a
class-balanced logistic regression, reads the blocks its config names. sklearn fits the
vocabularies; transforms go through ``TermIndex``, which gives the same matrices several times
faster (the classifier's throughput is bounded by these transforms and the extraction rules).
finding and design are multi-class; conditions and outcomes are one binary model per label with
thresholds tuned on inner folds. Rules from ``labels.extract`` fill drug, routes, sample size
and key finding; design rules read stated designs (TAXONOMY.md) before the classifier. The file
format is skops with no trusted types beyond its defaults: loading cannot run code.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

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
from labels import extract

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
    "design_rule",
    "document",
    "load_models",
]

SINGLE_LABEL: dict[str, tuple[str, ...]] = {"finding": FINDINGS, "design": DESIGNS}
MULTI_LABEL: dict[str, tuple[str, ...]] = {"conditions": CONDITIONS, "outcomes": OUTCOMES}
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "classifier.skops"

# Types a models file may hold beyond those skops trusts by default (builtins, numpy arrays,
# LogisticRegression): none. Vectorisers are stored as plain strings and arrays, so loading
# never has to trust a new type; a test checks the shipped file against this list.
TRUSTED_TYPES: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters. Values come from the seed cross-validation in ``training`` (see report)."""

    feature_version: int = 3  # bump when document() or the cue patterns change meaning
    word_max_features: int = 30000
    title_max_features: int = 6000
    conclusion_max_features: int = 6000
    min_df: int = 2
    C: Mapping[str, float] = field(
        default_factory=lambda: {"design": 4.0, "finding": 8.0, "conditions": 4.0, "outcomes": 2.0}
    )
    distant_weight: float = 0.25
    index_dropout: float = 0.5
    field_blocks: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "design": ("text", "title", "index", "design_cues"),
            "finding": ("text", "conclusion", "finding_cues", "design_cues"),
            "conditions": ("text", "title", "index", "topic_cues"),
            "outcomes": ("text", "title", "topic_cues", "design_cues"),
        }
    )
    rct_threshold: float = 0.2
    threshold: float = 0.5
    threshold_folds: int = 3
    threshold_shrink: float = 0.5  # weight of ``threshold`` against the inner-fold optimum
    balanced_multi: bool = True
    cue_scale: float = 1.0
    distant_cap: int = 1500
    random_state: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the version hash covers it)."""
        out = dataclasses.asdict(self)
        out["C"] = dict(self.C)
        out["field_blocks"] = {k: list(v) for k, v in self.field_blocks.items()}
        return out


# ---------------------------------------------------------------------------------------------
# Documents: what the features read from an article

_SPELLING = {
    "randomis": "randomiz",
    "anaesth": "anesth",
    "oedema": "edema",
    "haem": "hem",
    "behaviour": "behavior",
    "paediatric": "pediatric",
    "tumour": "tumor",
    "analys": "analyz",
    "organis": "organiz",
    "characteris": "characteriz",
    "utilis": "utiliz",
    "hospitalis": "hospitaliz",
    "centre": "center",
    "programme": "program",
}
_SPELLING_RE = re.compile("|".join(_SPELLING))


# TAXONOMY.md: physiological "depression" (respiratory, cardiovascular, ST-segment...) is not
# the mood disorder, and perioperative or pre-procedural anxiety is not ``anxiety``. Renaming
# these senses keeps the depression and anxiety features and cues for the conditions.
_NOT_MOOD = re.compile(
    r"\b(respiratory|ventilatory|cardiovascular|cardiac|myocardial|circulatory|hemodynamic|"
    r"cns|st[- ]segment|st|neuromuscular|spreading|bone marrow|marrow) depression\b|"
    r"\b(pre-?operative|peri-?operative|pre-?procedural|pre-?surgical|pre-?anesthetic|"
    r"procedural|dental|surgical) anxiety\b"
)


def _rename_sense(m: re.Match[str]) -> str:
    return f"{m.group(1)} hypofunction" if m.group(1) else f"{m.group(2)} apprehension"


def normalise(text: str) -> str:
    """Lower-case and map British spellings to American, so both read as one feature."""
    text = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(0)], text.lower())
    if "depression" in text or "anxiety" in text:
        text = _NOT_MOOD.sub(_rename_sense, text)
    return text


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
    for sentence in extract.sentences(article.abstract or ""):
        if _AIM_SENTENCE.search(sentence):
            return sentence
    return ""


def document(article: Article, with_index: bool = True) -> Document:
    """Build the feature views of one article (indexing tokens only if ``with_index``)."""
    title = normalise(article.title or "")
    text = f"{title}\n{normalise(article.abstract or '')}"
    key_finding = extract.extract_key_finding(article)
    if extract.mentions_ketamine(text):
        drug, drug_conf = extract.extract_drug(article)
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


# Cues from TAXONOMY.md's wording. Each pattern is matched once against a fitted vocabulary, not
# against every document: a cue's value is the number of its vocabulary terms (words and word
# pairs) present in the document's view, so a batch needs one sparse product per view.
_CUES: tuple[tuple[str, str, str], ...] = (
    ("t_meta", "title", r"meta-analy|metaanaly|systematic review|scoping review|umbrella review"),
    (
        "a_meta",
        "text",
        r"meta-analy|systematic review|scoping review|prisma|searched|databases|"
        r"^medline|^embase|cochrane|included studies|eligible studies",
    ),
    ("t_rct", "title", r"randomi[sz]|randomly|placebo-controlled|double-blind|crossover"),
    ("a_random", "text", r"randomi[sz]|randomly"),
    ("a_blind", "text", r"double-blind|placebo|sham|cross-?over|blinded"),
    (
        "open_label",
        "text",
        r"open-label|single-arm|non-randomi|nonrandomi|pilot|feasibility|"
        r"uncontrolled|quasi-experimental|pre-post|single-group|^phase",
    ),
    (
        "observational",
        "text",
        r"retrospective|cohort|cross-sectional|case-control|registry|"
        r"survey|questionnaire|chart review|database|claims|prevalence|"
        r"association|associated with|longitudinal|nationwide",
    ),
    ("case", "text", r"case report|we report|we describe|we present|year-old|case series"),
    ("t_case", "title", r"case report|case of|case series"),
    (
        "animal",
        "text",
        r"\b(?:rats?|mice|mouse|murine|rodents?|zebrafish|monkeys?|rabbits?|dogs?|"
        r"pigs?|sheep|primates?|wistar|sprague-dawley|c57bl|animals?)\b|in vitro|"
        r"cell line",
    ),
    (
        "human",
        "text",
        r"\b(?:patients?|participants?|volunteers?|women|men|children|adults?|"
        r"adolescents?|individuals|people)\b",
    ),
    (
        "review",
        "text",
        r"^review$|this article|we discuss|overview|perspective|commentary|"
        r"editorial|guideline|consensus|narrative|this review|we review",
    ),
    ("t_protocol", "title", r"protocol|rationale and design|study design"),
    ("qualitative", "text", r"qualitative|interviews?$|focus groups?|thematic|grounded theory"),
)
_FINDING_CUES: tuple[tuple[str, str, str], ...] = (
    (
        "negative",
        "conclusion",
        r"^no significant|^no difference|^no effect|^no benefit|did not|"
        r"not significantly|not superior|not effective|failed to|"
        r"no evidence|ineffective|does not|lack of|unable to|^no$|^not$",
    ),
    (
        "positive",
        "conclusion",
        r"effective|improv|reduc|significant|benefit|superior|^safe|"
        r"well tolerated|efficacious|promising|support",
    ),
    (
        "mixed",
        "conclusion",
        r"however|but not|although|inconclusive|mixed|transient|^some$|"
        r"partial|limited|further studies|further research",
    ),
)
# Topics per condition and outcome; a condition counts where it is the study's target.
_TOPICS: tuple[tuple[str, str], ...] = (
    (
        "depression",
        r"depress|antidepress|^mdd$|^trd$|dysthymi|bipolar|mood disorder|melanchol|"
        r"anhedoni|forced swim|tail suspension|learned helplessness",
    ),
    ("anxiety", r"anxi|panic|phobi|^gad$|elevated plus|worry"),
    (
        "ptsd",
        r"post-?traumatic|^ptsd|^ptss|^trauma|acute stress disorder|fear memory|"
        r"fear extinction|fear conditioning",
    ),
    (
        "chronic_pain",
        r"chronic pain|neuralgi|neuropath(?:y|ic)|fibromyalg|migraine|headache|"
        r"complex regional|^crps$|causalgia|phantom|back pain|cancer pain|"
        r"intractable pain|refractory pain|osteoarthriti|central pain|allodynia|"
        r"persistent pain|chronic \w+ pain|chronic non-",
    ),
    (
        "acute_pain",
        r"postoperative|post-operative|surgery|surgical|procedural|anesthesia|"
        r"sedation|emergency department|labou?r pain|acute pain|analgesia",
    ),
    (
        "efficacy",
        r"efficacy|effective|improv|reduc|response|remission|symptom|score|relief|"
        r"quality of|antidepressant-like|anxiolytic-like|outcomes?$",
    ),
    ("suicidality", r"suicid"),
    (
        "safety",
        r"adverse|side effects?|side-effects?|safety|^safe$|tolerab|dissociat|"
        r"blood pressure|heart rate|hemodynamic|abuse|misuse|toxic|impair|deficit|"
        r"cystitis|hallucinat|nausea|vomit|psychotomimetic|harm|^risk",
    ),
    (
        "durability",
        r"long-term|maintenance|relapse|follow-up|sustained|durab|persist|lasting|"
        r"repeated|weeks after|^months$|prolonged",
    ),
    (
        "mechanism",
        r"mechanism|biomarker|receptor|signal|neuroimag|fmri|^mri$|bdnf|mtor|synap|"
        r"plasticity|^genes?$|expression|pathway|glutamat|^gaba|^eeg$|connectivity|"
        r"inflammat|cytokine|metabol|neuron|cortex|hippocamp",
    ),
    ("intervention", r"treat|therap|intervention|administ|infusion|^dose|^drug|trial|program"),
)
_TOPIC_VIEWS = ("title", "text", "conclusion", "aim")
# Views without a vectoriser of their own: they are transformed with another view's vocabulary.
_SHARED_VOCABULARY = {"aim": "text"}
CUE_NAMES = {
    "design_cues": (*(c[0] for c in _CUES), *(f"drug_{d}" for d in DRUGS), "no_abstract"),
    "finding_cues": tuple(c[0] for c in _FINDING_CUES),
    "topic_cues": tuple(f"{t}_{w}" for t, _ in _TOPICS for w in (*_TOPIC_VIEWS, "target")),
}


def _all_cues() -> list[tuple[str, str, str]]:
    topics = [(f"{t}_{view}", view, pattern) for t, pattern in _TOPICS for view in _TOPIC_VIEWS]
    return [*_CUES, *_FINDING_CUES, *topics]


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
    design = [np.minimum(counts[c[0]], 6) / 6.0 for c in _CUES]
    design += [np.array([float(d.drug == drug) for d in docs]) for drug in DRUGS]
    design.append(np.array([float(len(d.text) - len(d.title) < 5) for d in docs]))
    finding = [np.minimum(counts[c[0]], 1) for c in _FINDING_CUES]
    topic = []
    for t, _ in _TOPICS:
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
    return {
        name: sp.csr_matrix(np.column_stack(cols).reshape(n, len(cols)).astype(np.float32) * scale)
        for name, cols in (
            ("design_cues", design),
            ("finding_cues", finding),
            ("topic_cues", topic),
        )
    }


# ---------------------------------------------------------------------------------------------
# Design rules: high precision, applied over the classifier


_PROTOCOL_TITLE = re.compile(r"protocol\b|rationale and design|design and rationale")
_PROTOCOL_TEXT = re.compile(
    r"\b(?:this|the|our) (?:study |trial |review )?protocol\b|\bwe will (?:recruit|randomi[sz]e|"
    r"enrol|conduct|assess|search|include)"
)
_REPORTED = re.compile(r"\bwere randomi[sz]ed|\bresults (?:showed|indicated|suggest)|\bwe found")
_META_TITLE = re.compile(r"meta-?analy|systematic(?:al)? review|scoping review|umbrella review")
# The headings of a systematic review's structured abstract, or the authors saying they did one.
_META_TEXT = re.compile(
    r"(?:^|\n)(?:data sources?|study selection|data extraction|data synthesis|search strategy|"
    r"search methods|selection criteria|eligibility criteria|information sources)\s*:|"
    r"\b(?:we|this|the present|the current) (?:performed |conducted |undertook |carried out )?"
    r"(?:a |an )?(?:updated )?(?:systematic review|meta-analy[sz][ie]s|scoping review)|"
    r"\bto (?:perform|conduct|undertake|carry out) (?:a |an )?(?:updated )?(?:systematic review|"
    r"meta-analy[sz]is|scoping review)"
)
# Words one of which every _META_TEXT match contains: a cheap test before the regex.
_META_WORDS = (
    "systematic",
    "meta-analy",
    "scoping review",
    "data source",
    "study selection",
    "data extraction",
    "data synthesis",
    "search ",
    "selection criteria",
    "eligibility criteria",
    "information source",
)
_CASE_TITLE = re.compile(r"\bcase report\b|\ba case of\b")
_QUALITATIVE_TITLE = re.compile(
    r"qualitative|focus groups?|phenomenolog|ethnograph|interview study"
)
_NONRANDOM_TITLE = re.compile(
    r"open-label|single-arm|pilot study|non-?randomi[sz]ed|quasi-experimental|feasibility study|"
    r"uncontrolled|single-cohort|pilot trial"
)


def design_rule(
    article: Article, title: str | None = None, abstract: str | None = None
) -> str | None:
    """Return a design that the title, publication types or protocol wording state outright.

    Each rule is one of TAXONOMY.md's definitions read literally; none is consulted unless it
    names the design unambiguously (the classifier decides everything else).
    """
    title = normalise(article.title or "") if title is None else title
    abstract = normalise(article.abstract or "") if abstract is None else abstract
    ptypes = {p.lower() for p in article.publication_types}
    protocol_words = (
        "protocol" in title
        or "design" in title
        or "protocol" in abstract
        or ("we will" in abstract)
    )
    if protocol_words and (
        (
            _PROTOCOL_TITLE.search(title)
            and not re.search(r"results?|outcomes? of|effects? of", title)
        )
        or (_PROTOCOL_TEXT.search(abstract) and not _REPORTED.search(abstract))
    ):
        return "review"
    if (
        _META_TITLE.search(title)
        or ptypes & {"meta-analysis", "systematic review"}
        or (any(w in abstract for w in _META_WORDS) and _META_TEXT.search(abstract))
    ):
        return "meta_analysis"
    if "randomized controlled trial" in ptypes:
        return "rct"
    if _CASE_TITLE.search(title) and not re.search(r"series|cases", title):
        return "case_report"
    if re.match(r"(?:correction|erratum|corrigendum)\b", title) or "published erratum" in ptypes:
        return "other"
    if _QUALITATIVE_TITLE.search(title) and not re.search(r"mixed|survey|randomi", title):
        return "other"
    if _NONRANDOM_TITLE.search(title) and not re.search(r"(?<!non-)(?<!non)randomi", title):
        return "nonrandomized_trial"
    return None


# ---------------------------------------------------------------------------------------------
# The trained models


@dataclass
class Models:
    """Fitted vectorisers and per-field classifiers; ``predict`` labels a batch of articles."""

    vectorizers: dict[str, Any]
    cue_index: dict[str, dict[str, np.ndarray]]
    classifiers: dict[str, Any]
    thresholds: dict[str, list[float]]
    version: str
    config: dict[str, Any]

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
        for name in MULTI_LABEL:
            X = field_matrix(blocks, blocks_of[name])
            probs[name] = np.column_stack(
                [clf.predict_proba(X)[:, 1] for clf in self.classifiers[name]]
            )
        return probs

    def labels_from(
        self,
        articles: Sequence[Article],
        docs: Sequence[Document],
        probs: Mapping[str, np.ndarray],
    ) -> list[dict[str, Any]]:
        """Turn a batch's probabilities and rule outputs into label fields.

        Argmaxes, thresholds and confidences are computed for the whole batch with numpy and
        handed to the per-record rules as plain Python values (per-row numpy calls cost more
        than the rules themselves).
        """
        finding = probs["finding"].argmax(axis=1).tolist()
        finding_p = probs["finding"].max(axis=1).tolist()
        chosen: dict[str, list[tuple[str, ...]]] = {}
        certainty: dict[str, list[float]] = {}
        for name, names in MULTI_LABEL.items():
            p = probs[name]
            hits = (p >= np.asarray(self.thresholds[name])[None, :]).tolist()
            chosen[name] = [tuple(n for n, h in zip(names, row, strict=True) if h) for row in hits]
            certainty[name] = np.prod(np.maximum(p, 1 - p), axis=1).tolist()
        out = []
        for i, (article, doc) in enumerate(zip(articles, docs, strict=True)):
            design, design_p = decide_design(article, probs["design"][i], self.config, doc)
            labels: dict[str, Any] = {"design": design, "finding": FINDINGS[finding[i]]}
            confidence = {"design": design_p, "finding": finding_p[i]}
            for name in MULTI_LABEL:
                labels[name] = chosen[name][i]
                confidence[name] = certainty[name][i]
            out.append(self._rule_labels(article, doc, labels, confidence))
        return out

    def _rule_labels(
        self,
        article: Article,
        doc: Document,
        labels: dict[str, Any],
        confidence: dict[str, float],
    ) -> dict[str, Any]:
        """Add the rule-based fields (drug, routes, sample size, key finding) to one record."""
        labels["drug"] = doc.drug
        confidence["drug"] = doc.drug_confidence
        labels["routes"] = extract.extract_routes(article, doc.drug)
        confidence["routes"] = 0.9 if labels["routes"] or doc.drug == "not_studied" else 0.7
        labels["sample_size"] = extract.extract_sample_size(article, labels["design"])
        confidence["sample_size"] = 0.8 if labels["sample_size"] is not None else 0.7
        labels["key_finding"] = doc.key_finding
        labels["confidence"] = tuple((k, round(float(confidence[k]), 4)) for k in LABEL_FIELDS)
        labels["model_version"] = self.version
        return labels

    def save(self, path: Path) -> None:
        """Write the models as one skops file."""
        import skops.io as sio

        payload = {
            "vectorizers": {k: _vectorizer_state(v) for k, v in self.vectorizers.items()},
            "cue_index": self.cue_index,
            "classifiers": self.classifiers,
            "thresholds": self.thresholds,
            "version": self.version,
            "config": self.config,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(payload, path, compression=8, compresslevel=9)


def decide_design(
    article: Article, probs: np.ndarray, config: Mapping[str, Any], doc: Document | None = None
) -> tuple[str, float]:
    """Combine rules and classifier: stated designs win, RCTs are favoured at a low threshold."""
    ruled = design_rule(article) if doc is None else design_rule(article, doc.title, doc.text)
    if ruled is not None:
        return ruled, max(0.95, float(probs[DESIGNS.index(ruled)]))
    text = doc.text if doc is not None else normalise(extract.article_text(article))
    order = np.argsort(-probs)
    best = int(next((i for i in order if _admissible(DESIGNS[i], text)), order[0]))
    rct = DESIGNS.index("rct")
    favour_rct = DESIGNS[best] not in ("rct", "meta_analysis", "preclinical")
    if favour_rct and probs[rct] >= config.get("rct_threshold", 1.0):
        return "rct", float(probs[rct])
    # TAXONOMY: people allocated at random is an RCT, whatever else the abstract resembles.
    if DESIGNS[best] in ("observational", "nonrandomized_trial", "other") and (
        ("random" in text or "placebo-controlled" in text)
        and _RANDOM_ALLOCATION.search(text)
        and not _ANIMALS.search(text)
    ):
        return "rct", max(float(probs[rct]), 0.5)
    return DESIGNS[best], float(probs[best])


def vectorize(
    vectorizers: Mapping[str, Any],
    docs: Sequence[Document],
    fit: bool = False,
    terms: Mapping[str, TermIndex] | None = None,
) -> dict[str, sp.csr_matrix]:
    """The TF-IDF and indexing blocks of a batch (fitting the vectorisers first if ``fit``)."""
    if fit:
        for name, vec in vectorizers.items():
            vec.fit([getattr(d, name) for d in docs])
    if terms is None or fit:
        terms = {name: compile_terms(vec) for name, vec in vectorizers.items()}
    blocks = {n: transform_terms(terms[n], [getattr(d, n) for d in docs]) for n in terms}
    for view, shared in _SHARED_VOCABULARY.items():
        if shared in terms:
            blocks[view] = transform_terms(terms[shared], [getattr(d, view) for d in docs])
    return blocks


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


_ANIMAL_OR_VITRO = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|animals?|zebrafish|drosophila|monkeys?|macaques?|"
    r"primates?|rabbits?|dogs?|canine|pigs?|porcine|piglets?|sheep|ovine|cats?|horses?|equine|"
    r"cattle|calves|buffalo\w*|chicks?|hamsters?|guinea pigs?|ferrets?|in vitro|cell lines?|"
    r"cultured|cells|wistar|sprague|strains?|bacteria\w*|plants?|larvae|fish)\b"
)
_CASE_CUES = re.compile(
    r"case report|case of|case series|year-old|\bwe (?:report|describe|present)\b|"
    r"\ba (?:man|woman|boy|girl|patient|child|male|female|neonate|infant) "
    r"(?:with|who|presented|was)"
)
_TRIAL_CUES = re.compile(
    r"trial|open-label|single-arm|non-?randomi[sz]ed|quasi-experimental|pilot|feasibility|"
    r"pre-?post|pre-? and post-?|pretest|before and after|intervention|program|course of|"
    r"were treated|received|administ"
)
_RANDOM_ALLOCATION = re.compile(
    r"\b(?:were|was|being) (?:then )?(?:randomly|randomi[sz]ed)(?! (?:selected|sampled|chosen))|"
    r"randomly (?:assigned|allocated|divided)|(?:divided|assigned|allocated) (?:at )?random(?:ly)?|"
    r"randomi[sz]ed,? (?:controlled|clinical|double-blind|placebo-controlled|crossover|cross-over)|"
    r"double-blind,? (?:randomi[sz]ed,? )?placebo-controlled|placebo-controlled,? double-blind"
)
_ANIMALS = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|animals|zebrafish|monkeys?|primates?|rabbits?|dogs?|"
    r"pigs?|piglets?|sheep|cats?|horses?|calves|chicks?|hamsters?|guinea pigs?|ferrets?)\b"
)
_RESULTS_LABEL = re.compile(r"(?:^|\n)(?:results?|findings)\s*:")


def _admissible(design: str, text: str) -> bool:
    """What a design needs in the text (TAXONOMY.md's definitions): an animal or cell system for
    preclinical, a patient described for a case report, no Results section for a narrative
    review, an intervention given prospectively for a non-randomised trial."""
    if design == "preclinical":
        return _ANIMAL_OR_VITRO.search(text) is not None
    if design == "case_report":
        return _CASE_CUES.search(text) is not None
    if design == "review":
        return _RESULTS_LABEL.search(text) is None
    if design == "nonrandomized_trial":  # an intervention given in a study, not a chart review
        return _TRIAL_CUES.search(text) is not None and "retrospective" not in text
    return True


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


def new_classifier(
    C: float, random_state: int, binary: bool, balanced: bool = True
) -> LogisticRegression:
    """The one classifier kind every field uses: an L2 logistic regression, class-balanced.

    liblinear for binary labels and newton-cg for multi-class: on these sparse matrices both
    are 10x faster than lbfgs, which crawls on ~40k features with scipy 1.17.
    """
    return LogisticRegression(
        C=C,
        class_weight="balanced" if balanced else None,
        max_iter=1000,
        solver="liblinear" if binary else "newton-cg",
        dual=binary,  # the dual problem is 7x faster here: fewer rows than features
        random_state=random_state,
    )


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


_VECTORIZER_PARAMS = (
    "token_pattern",
    "lowercase",
    "ngram_range",
    "min_df",
    "max_features",
    "sublinear_tf",
    "binary",
)


def _vectorizer_state(vec: CountVectorizer) -> dict[str, Any]:
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


def _vectorizer_from_state(state: Mapping[str, Any]) -> CountVectorizer:
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


def load_models(path: Path | str) -> Models:
    """Read models written by ``Models.save`` (skops; only TRUSTED_TYPES are accepted)."""
    import skops.io as sio

    payload = sio.load(Path(path), trusted=list(TRUSTED_TYPES))
    return Models(
        vectorizers={k: _vectorizer_from_state(v) for k, v in payload["vectorizers"].items()},
        cue_index=payload["cue_index"],
        classifiers=payload["classifiers"],
        thresholds={k: list(v) for k, v in payload["thresholds"].items()},
        version=payload["version"],
        config=dict(payload["config"]),
    )
