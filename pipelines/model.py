"""Pure ML: the label names, the features, the per-field classifiers and the model version.

One feature space is built per batch (word and title TF-IDF, the conclusion's TF-IDF, PubMed
indexing tokens and hand-written cue flags) and every field's classifier reads it, so a batch is
vectorised once. Classifiers are plain scikit-learn estimators; the file format is skops, which
cannot run code when loaded. Rules from ``pipelines.extract`` fill drug, routes and sample size,
and high-precision design rules override the design classifier (TAXONOMY.md's hierarchy).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipelines import extract
from pipelines.article import Article

__all__ = [
    "CONDITIONS",
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

CONDITIONS = ("depression", "anxiety", "ptsd", "chronic_pain")
OUTCOMES = ("efficacy", "suicidality", "safety", "durability", "mechanism")
FINDINGS = ("positive", "negative", "mixed", "none")
DESIGNS = (
    "meta_analysis",
    "rct",
    "nonrandomized_trial",
    "observational",
    "case_report",
    "preclinical",
    "review",
    "other",
)
DRUGS = ("ketamine", "esketamine", "arketamine", "several", "not_studied")
ROUTES = ("iv", "intranasal", "oral", "intramuscular", "sublingual", "subcutaneous")
SINGLE_LABEL: dict[str, tuple[str, ...]] = {"finding": FINDINGS, "design": DESIGNS}
MULTI_LABEL: dict[str, tuple[str, ...]] = {"conditions": CONDITIONS, "outcomes": OUTCOMES}

# Everything a models file may contain besides builtins and numpy/scipy basics; checked by a test.
TRUSTED_TYPES = (
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
)


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters. Values come from the seed cross-validation in ``training`` (see report)."""

    word_max_features: int = 30000
    title_max_features: int = 6000
    conclusion_max_features: int = 6000
    min_df: int = 2
    C: Mapping[str, float] = field(
        default_factory=lambda: {"design": 4.0, "finding": 2.0, "conditions": 4.0, "outcomes": 2.0}
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


def normalise(text: str) -> str:
    """Lower-case and map British spellings to American, so both read as one feature."""
    return _SPELLING_RE.sub(lambda m: _SPELLING[m.group(0)], text.lower())


@dataclass(frozen=True, slots=True)
class Document:
    """The text views and rule outputs of one article that the features read."""

    text: str
    title: str
    index: str
    conclusion: str
    drug: str
    drug_confidence: float
    design_cues: tuple[float, ...]
    finding_cues: tuple[float, ...]
    topic_cues: tuple[float, ...]


def _index_tokens(article: Article) -> str:
    tokens = [f"pt_{p}" for p in article.publication_types]
    tokens += [f"mesh_{m}" for m in article.mesh]
    return " ".join(re.sub(r"\W+", "_", t.lower()) for t in tokens)


def document(article: Article, with_index: bool = True) -> Document:
    """Build the feature views of one article (indexing tokens only if ``with_index``)."""
    title = normalise(article.title or "")
    abstract = normalise(article.abstract or "")
    text = f"{title}\n{abstract}"
    conclusion = normalise(extract.extract_key_finding(article) or "")
    if extract.mentions_ketamine(text):
        drug, drug_conf = extract.extract_drug(article)
    else:
        drug, drug_conf = "not_studied", 0.99
    design_cues, finding_cues = _cues(title, abstract, conclusion, drug)
    return Document(
        text=text,
        title=title,
        index=_index_tokens(article) if with_index else "",
        conclusion=conclusion,
        drug=drug,
        drug_confidence=drug_conf,
        design_cues=design_cues,
        finding_cues=finding_cues,
        topic_cues=_topic_cues(title, abstract, conclusion),
    )


# Cue flags from TAXONOMY.md's wording; the classifiers weigh them.
_CUES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (name, where, re.compile(pattern))
    for name, where, pattern in (
        ("t_meta", "title", r"meta-?analy|systematic(?:al)? review|scoping review|umbrella review"),
        ("a_meta", "abstract", r"meta-?analy|systematic(?:al)? review|scoping review|prisma|"
                               r"(?:searched|search of) (?:pubmed|medline|embase)|databases? (?:were|was) searched"),
        ("t_rct", "title", r"randomi[sz]ed|randomly|placebo-controlled|double-blind|crossover trial"),
        ("a_random", "abstract", r"randomi[sz]ed|randomly (?:assigned|allocated)|randomi[sz]ation"),
        ("a_blind", "abstract", r"double-blind|placebo-controlled|placebo|sham|cross-?over"),
        ("open_label", "text", r"open-label|single-arm|single arm|non-?randomi[sz]ed|pilot|feasibility|"
                               r"uncontrolled|quasi-experimental|pre-?post|phase (?:i|ii|1|2)\b"),
        ("observational", "text", r"retrospective|cohort|cross-sectional|case-control|registry|"
                                  r"survey|questionnaire|chart review|database|claims|prevalence|"
                                  r"association|associated with|longitudinal"),
        ("case", "text", r"case report|we (?:report|describe|present) (?:a|an|the case|two|three)|"
                         r"year-old (?:man|woman|male|female|boy|girl|patient)|case series"),
        ("t_case", "title", r"case report|a case of|: a case|case series"),
        ("animal", "text", r"\b(?:rats?|mice|mouse|murine|rodents?|zebrafish|monkeys?|rabbits?|"
                           r"dogs?|pigs?|sheep|primates?|in vitro|cell line|wistar|sprague)\b"),
        ("human", "text", r"\b(?:patients?|participants?|volunteers?|women|men|children|adults?|"
                          r"adolescents?|individuals|people)\b"),
        ("review", "text", r"\breview\b|this article|we discuss|overview|perspective|commentary|"
                           r"editorial|guideline|consensus|narrative"),
        ("t_protocol", "title", r"protocol|rationale and design|study design"),
        ("qualitative", "text", r"qualitative|interviews?|focus groups?|thematic|grounded theory"),
        ("negative", "conclusion", r"\bno (?:significant|difference|effect|benefit)|did not|"
                                   r"not (?:significantly|superior|effective|associated)|failed to|"
                                   r"no evidence|ineffective|does not|lack of"),
        ("positive", "conclusion", r"effective|improv|reduc|significant|benefit|superior|safe|"
                                   r"well tolerated|efficacious|promising|support"),
        ("mixed", "conclusion", r"however|but not|although|inconclusive|mixed|transient|"
                                r"some|partial|limited|further (?:studies|research)"),
    )
)


# Topic terms per condition and outcome (TAXONOMY.md), counted in the title, in the objective
# and in the whole abstract: a condition counts where it is the study's target, not a covariate.
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("depression", r"depress|antidepress|\bmdd\b|\btrd\b|dysthymi|bipolar|mood disorder|"
                       r"melanchol|anhedoni|forced swim|tail suspension|learned helplessness"),
        ("anxiety", r"anxi|panic|phobi|\bgad\b|elevated plus|worry"),
        ("ptsd", r"post-?traumatic|\bptsd|ptss|\btrauma|acute stress disorder|fear (?:memory|"
                 r"extinction|conditioning)"),
        ("chronic_pain", r"chronic pain|neuralgi|neuropath(?:y|ic)|fibromyalg|migraine|headache|"
                         r"complex regional|\bcrps\b|causalgia|phantom|back pain|cancer pain|"
                         r"intractable pain|refractory pain|osteoarthriti|central pain|allodynia|"
                         r"persistent pain|chronic (?:\w+ )?pain"),
        ("acute_pain", r"postoperative|post-operative|surgery|surgical|procedural|anesthesia|"
                       r"sedation|emergency department|labou?r pain|acute pain|analgesia"),
        ("efficacy", r"efficacy|effective|improv|reduc|response|remission|symptom|score|relief|"
                     r"quality of life|antidepressant-like|anxiolytic-like|outcomes?"),
        ("suicidality", r"suicid"),
        ("safety", r"adverse|side[- ]effects?|safety|safe\b|tolerab|dissociat|blood pressure|"
                   r"heart rate|hemodynamic|abuse|misuse|toxic|impair|deficit|cystitis|"
                   r"hallucinat|nausea|vomit|psychotomimetic|harm|risk"),
        ("durability", r"long-term|maintenance|relapse|follow-up|sustained|durab|persist|lasting|"
                       r"repeated|weeks after|months|prolonged"),
        ("mechanism", r"mechanism|biomarker|receptor|signal|neuroimag|fmri|\bmri\b|bdnf|mtor|"
                      r"synap|plasticity|gene|expression|pathway|glutamat|gaba|\beeg\b|"
                      r"connectivity|inflammat|cytokine|metabol|neuron|cortex|hippocamp"),
        ("intervention", r"treat|therap|intervention|administ|infusion|dose|drug|trial|program"),
    )
)
_OBJECTIVE = re.compile(
    r"^(?:objectives?|aims?|purpose|background and (?:objectives?|aims?)|introduction)\s*:|"
    r"\b(?:we aimed|the aim|this study aimed|aims? (?:of|to)|we (?:investigated|examined|"
    r"evaluated|assessed|tested)|to (?:investigate|examine|evaluate|assess|determine|compare|"
    r"explore)|the purpose|objective)\b"
)


def _objective(abstract: str) -> str:
    """The sentences that state what the study set out to do."""
    return " ".join(s for s in extract.sentences(abstract)[:6] if _OBJECTIVE.search(s))


def _cues(
    title: str, abstract: str, conclusion: str, drug: str
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Design cue counts (with the drug rule's label) and the conclusion's direction flags."""
    views = {"title": title, "abstract": abstract, "text": f"{title}\n{abstract}"}
    design: list[float] = []
    finding: list[float] = []
    for _name, where, pattern in _CUES:
        if where == "conclusion":
            finding.append(float(bool(pattern.search(conclusion))))
        else:
            design.append(min(len(pattern.findall(views[where])), 3) / 3.0)
    design += [float(drug == d) for d in DRUGS]
    design.append(float(not abstract.strip()))
    return tuple(design), tuple(finding)


def _topic_cues(title: str, abstract: str, conclusion: str) -> tuple[float, ...]:
    """Each topic's presence in the title, the objective, the abstract and the conclusion."""
    objective = _objective(abstract)
    flags: list[float] = []
    for _name, pattern in _TOPICS:
        in_title = bool(pattern.search(title))
        in_objective = bool(pattern.search(objective))
        count = len(pattern.findall(abstract))
        flags.append(float(in_title))
        flags.append(float(in_objective))
        flags.append(min(count, 6) / 6.0)
        flags.append(float(bool(pattern.search(conclusion))))
        # TAXONOMY: a target "typically named in the title or the objective", not in passing.
        flags.append(float(in_title or (in_objective and count >= 2) or count >= 4))
    return tuple(flags)


CUE_NAMES = {
    "design_cues": (
        *(c[0] for c in _CUES if c[1] != "conclusion"), *(f"drug_{d}" for d in DRUGS), "no_abstract"
    ),
    "finding_cues": tuple(c[0] for c in _CUES if c[1] == "conclusion"),
    "topic_cues": tuple(
        f"{t[0]}_{w}"
        for t in _TOPICS
        for w in ("title", "objective", "abstract", "conclusion", "target")
    ),
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
_CASE_TITLE = re.compile(r"\bcase report\b|\ba case of\b")
_QUALITATIVE_TITLE = re.compile(r"qualitative|focus groups?|phenomenolog|ethnograph|interview study")
_NONRANDOM_TITLE = re.compile(
    r"open-label|single-arm|pilot study|non-?randomi[sz]ed|quasi-experimental|feasibility study|"
    r"uncontrolled|single-cohort|pilot trial"
)


def design_rule(article: Article) -> str | None:
    """Return a design that the title, publication types or protocol wording state outright.

    Each rule is one of TAXONOMY.md's definitions read literally; none is consulted unless it
    names the design unambiguously (the classifier decides everything else).
    """
    title = normalise(article.title or "")
    abstract = normalise(article.abstract or "")
    ptypes = {p.lower() for p in article.publication_types}
    if (_PROTOCOL_TITLE.search(title) and not re.search(r"results?|outcomes? of|effects? of",
                                                        title)) or (
        _PROTOCOL_TEXT.search(abstract) and not _REPORTED.search(abstract)
    ):
        return "review"
    if _META_TITLE.search(title) or ptypes & {"meta-analysis", "systematic review"}:
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
    classifiers: dict[str, Any]
    thresholds: dict[str, list[float]]
    version: str
    config: dict[str, Any]

    def features(self, docs: Sequence[Document]) -> dict[str, sp.csr_matrix]:
        """Vectorise a batch once: the feature blocks every classifier reads."""
        return build_features(self.vectorizers, docs, cue_scale=self.config["cue_scale"])

    def predict(self, articles: Sequence[Article], n_jobs: int = 1) -> list[Article]:
        """Return the articles with every label field, confidence and model_version filled."""
        articles = list(articles)
        if n_jobs > 1 and len(articles) >= 1000:
            return _predict_parallel(self, articles, n_jobs)
        docs = [document(a) for a in articles]
        return self._label(articles, docs)

    def _label(self, articles: Sequence[Article], docs: Sequence[Document]) -> list[Article]:
        if not articles:
            return []
        return self.label_from(articles, docs, self.probabilities(self.features(docs)))

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

    def label_from(
        self,
        articles: Sequence[Article],
        docs: Sequence[Document],
        probs: Mapping[str, np.ndarray],
    ) -> list[Article]:
        """Turn probabilities and rule outputs into labelled articles."""
        out = []
        for i, (article, doc) in enumerate(zip(articles, docs, strict=True)):
            labels = self._labels_for(
                article,
                doc,
                {k: probs[k][i] for k in SINGLE_LABEL},
                {k: probs[k][i] for k in MULTI_LABEL},
            )
            out.append(dataclasses.replace(article, **labels))
        return out

    def _labels_for(
        self,
        article: Article,
        doc: Document,
        single: Mapping[str, np.ndarray],
        multi: Mapping[str, np.ndarray],
    ) -> dict[str, Any]:
        design, design_p = decide_design(article, single["design"], self.config)
        finding_p = single["finding"]
        finding = FINDINGS[int(np.argmax(finding_p))]
        confidence: dict[str, float] = {"design": design_p, "finding": float(finding_p.max())}
        labels: dict[str, Any] = {"design": design, "finding": finding}
        for name, names in MULTI_LABEL.items():
            probs, cuts = multi[name], self.thresholds[name]
            labels[name] = tuple(n for n, p, t in zip(names, probs, cuts, strict=True) if p >= t)
            confidence[name] = float(np.prod([max(p, 1 - p) for p in probs]))
        labels["drug"] = doc.drug
        confidence["drug"] = doc.drug_confidence
        labels["routes"] = extract.extract_routes(article, doc.drug)
        confidence["routes"] = 0.9 if labels["routes"] or doc.drug == "not_studied" else 0.7
        labels["sample_size"] = extract.extract_sample_size(article, design)
        confidence["sample_size"] = 0.8 if labels["sample_size"] is not None else 0.7
        labels["key_finding"] = extract.extract_key_finding(article)
        labels["confidence"] = tuple((k, round(confidence[k], 4)) for k in _FIELD_ORDER)
        labels["model_version"] = self.version
        return labels

    def save(self, path: Path) -> None:
        """Write the models as one skops file."""
        import skops.io as sio

        payload = {
            "vectorizers": self.vectorizers,
            "classifiers": self.classifiers,
            "thresholds": self.thresholds,
            "version": self.version,
            "config": self.config,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(payload, path, compression=8, compresslevel=9)


_FIELD_ORDER = ("conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size")


def decide_design(
    article: Article, probs: np.ndarray, config: Mapping[str, Any]
) -> tuple[str, float]:
    """Combine rules and classifier: stated designs win, RCTs are favoured at a low threshold."""
    ruled = design_rule(article)
    if ruled is not None:
        return ruled, max(0.95, float(probs[DESIGNS.index(ruled)]))
    best = int(np.argmax(probs))
    rct = DESIGNS.index("rct")
    if best != rct and probs[rct] >= config.get("rct_threshold", 1.0) and DESIGNS[best] not in (
        "meta_analysis",
        "preclinical",
    ):
        return "rct", float(probs[rct])
    return DESIGNS[best], float(probs[best])


def build_features(
    vectorizers: Mapping[str, Any],
    docs: Sequence[Document],
    fit: bool = False,
    cue_scale: float = 1.0,
) -> dict[str, sp.csr_matrix]:
    """The feature blocks of a batch: TF-IDF views, indexing tokens and cue flags."""
    blocks = {
        name: (vec.fit_transform if fit else vec.transform)([getattr(d, name) for d in docs])
        for name, vec in vectorizers.items()
    }
    for name in CUE_NAMES:
        values = np.array([getattr(d, name) for d in docs], dtype=np.float32)
        blocks[name] = sp.csr_matrix(values.reshape(len(docs), len(CUE_NAMES[name])) * cue_scale)
    return blocks


def field_matrix(blocks: Mapping[str, sp.csr_matrix], names: Sequence[str]) -> sp.csr_matrix:
    """The columns one field's classifier reads."""
    return sp.hstack([blocks[n] for n in names], format="csr")


def new_vectorizers(config: ModelConfig) -> dict[str, Any]:
    """Unfitted vectorisers for the feature blocks."""
    token = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
    return {
        "text": TfidfVectorizer(
            token_pattern=token, lowercase=False, ngram_range=(1, 2), min_df=config.min_df,
            max_features=config.word_max_features, sublinear_tf=True, dtype=np.float32,
        ),
        "title": TfidfVectorizer(
            token_pattern=token, lowercase=False, ngram_range=(1, 2), min_df=config.min_df,
            max_features=config.title_max_features, sublinear_tf=True, dtype=np.float32,
        ),
        "conclusion": TfidfVectorizer(
            token_pattern=token, lowercase=False, ngram_range=(1, 2), min_df=config.min_df,
            max_features=config.conclusion_max_features, sublinear_tf=True, dtype=np.float32,
        ),
        "index": CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True,
                                 min_df=config.min_df, dtype=np.float32),
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


def _predict_chunk(models: Models, articles: list[Article]) -> list[Article]:
    return models.predict(articles, n_jobs=1)


def _predict_parallel(models: Models, articles: list[Article], n_jobs: int) -> list[Article]:
    from joblib import Parallel, delayed

    size = -(-len(articles) // n_jobs)
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    parts = Parallel(n_jobs=n_jobs, backend="loky")(
        delayed(_predict_chunk)(models, chunk) for chunk in chunks
    )
    return [a for part in parts for a in part]


def load_models(path: Path | str) -> Models:
    """Read models written by ``Models.save`` (skops; only TRUSTED_TYPES are accepted)."""
    import skops.io as sio

    payload = sio.load(Path(path), trusted=list(TRUSTED_TYPES))
    return Models(
        vectorizers=payload["vectorizers"],
        classifiers=payload["classifiers"],
        thresholds={k: list(v) for k, v in payload["thresholds"].items()},
        version=payload["version"],
        config=dict(payload["config"]),
    )
