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
from labels.rules.drug import extract_drug, mentions_ketamine
from labels.rules.key_finding import extract_key_finding
from labels.terms import TermIndex, compile_terms, transform_terms
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
# How the conclusion and the abstract word the main result, per phrase family (the guide's
# "did not differ", "no significant", "failed to", "comparable to placebo", "non-inferior"):
# matched on the views' word pairs, for the direction model.
_PHRASES: tuple[tuple[str, str], ...] = (
    (
        "neg_verb",
        r"^(?:did|does|do|was|were) not$|^not (?:differ|improve|reduce|change|affect|"
        r"alter|increase|decrease|prevent|show|result|lead|produce|enhance|influence)",
    ),
    (
        "neg_no_effect",
        r"^no (?:statistically|significant|difference|differences|effect|effects|"
        r"improvement|change|changes|reduction|benefit|increase|decrease|better|advantage|"
        r"evidence|association|clinical|additional)$",
    ),
    ("neg_not_significant", r"^not (?:statistically|significant|significantly)$|^nonsignificant"),
    ("neg_failed", r"^failed to$|^fail to$|^failed$|^unable to$"),
    (
        "neg_like_control",
        r"^(?:comparable|similar) (?:to|with)$|^not superior$|^no better$|"
        r"^similar$|^comparable$|^ineffective$|^not effective$|^lack of$",
    ),
    (
        "pos_significant",
        r"^significantly (?:improv|reduc|decreas|increas|better|greater|lower|"
        r"higher|superior|attenuat|prevent)",
    ),
    (
        "pos_effective",
        r"^(?:is|was|were|are) (?:effective|efficacious|superior|safe)$|"
        r"^effective$|^efficacious$|^superior$",
    ),
    ("pos_tolerated", r"^well(?:-| )tolerated$|^safe and$|^and effective$|^safe$"),
    ("pos_noninferior", r"^non-?inferior|^not inferior$|^equivalent$|^noninferiority$"),
    (
        "pos_verb",
        r"^(?:improved|reduced|decreased|attenuated|prevented|alleviated|reversed|"
        r"ameliorated|enhanced|protected)$",
    ),
    ("pos_promising", r"^promising$|^beneficial$|^potential (?:therapeutic|treatment)$"),
    ("mix_contrast", r"^however$|^but not$|^although$|^whereas$"),
    (
        "mix_inconclusive",
        r"^inconclusive$|^mixed$|^inconsistent$|^conflicting$|^unclear$|"
        r"^insufficient$",
    ),
    ("mix_transient", r"^transient$|^only (?:at|in|for|on)$|^short-lived$|^transiently$"),
    (
        "mix_further",
        r"^further (?:studies|research|trials|investigation)$|^larger "
        r"(?:studies|trials)$|^warrant",
    ),
    ("mix_hedge", r"^may$|^might$|^could$|^suggest|^preliminary$|^pilot$"),
    ("mix_limited", r"^limited$|^low-quality$|^modest$|^small$"),
    (
        "harm",
        r"^(?:adverse|toxic|toxicity|harm|harmful|deficits?|impair(?:s|ed|ment)?|"
        r"neurotoxic|damage|induced)$|^risk of$|^increased risk$",
    ),
    (
        "intervention",
        r"^(?:treated|treatment|therapy|administ\w+|received|infusion|doses?|"
        r"dosing|placebo|randomized|trial|intervention|efficacy|supplementation|injection|surgery|"
        r"procedure|program|vaccine)$",
    ),
    ("compared", r"^versus$|^vs$|^compared (?:with|to)$|^control group$"),
    (
        "none_association",
        r"^associated with$|^association$|^prevalence$|^correlat|^predict|"
        r"^risk factors?$",
    ),
    ("none_protocol", r"^protocol$|^we will$|^will be$"),
    (
        "none_psychometric",
        r"^reliab|^validity$|^psychometric|^diagnostic accuracy$|"
        r"^sensitivity and$",
    ),
    ("none_review", r"^we review$|^this review$|^overview$|^we discuss$|^discussed$"),
)
_DIRECTION_CUES: tuple[tuple[str, str, str], ...] = tuple(
    (f"{view}_{name}", view, pattern)
    for view in ("conclusion", "text")
    for name, pattern in _PHRASES
)
# Topics per condition and outcome; a condition counts where it is the study's target.
_TOPICS: tuple[tuple[str, str], ...] = (
    (
        "depression",
        # not bipolar disorder in general (the guide: only bipolar depression, read by depress)
        r"depress|antidepress|^mdd$|^trd$|dysthymi|mood disorder|melanchol|"
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
    "direction_cues": tuple(c[0] for c in _DIRECTION_CUES),
}


def _all_cues() -> list[tuple[str, str, str]]:
    topics = [(f"{t}_{view}", view, pattern) for t, pattern in _TOPICS for view in _TOPIC_VIEWS]
    return [*_CUES, *_FINDING_CUES, *_DIRECTION_CUES, *topics]


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
    direction = [np.minimum(counts.get(c[0], none), 1) for c in _DIRECTION_CUES]
    blocks["direction_cues"] = sp.csr_matrix(
        np.column_stack(direction).reshape(n, len(direction)).astype(np.float32) * scale
    )
    return blocks


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
