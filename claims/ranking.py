"""Which candidate studies a reviewer should judge next, and a suggested judgement. Pure.

ASReview-style screening per claim: a heuristic rank first (does the label query match, how
close is the text to the claim's words, how strong the design, how recent), then, once people
have judged a few candidates each way, a small logistic regression fitted on the judged ones
(relevant: supports/contradicts/mixed; irrelevant) so the studies most like those that
mattered come first. Suggestions are machine guesses, shown apart and never counted as support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_similarity

from claims.support import admissible
from core.article import DESIGN_RANK, DESIGNS
from core.claim import Claim, Evidence

MIN_EACH = 2  # judged candidates of each class (relevant, irrelevant) before the model is used
HEURISTIC_WEIGHTS = {"query": 0.3, "text": 0.4, "design": 0.2, "recency": 0.1}
MODEL_WEIGHT = 0.7  # of the learned relevance in the final score, once there is a model
LOW_RELEVANCE = 0.35


@dataclass(frozen=True)
class Candidate:
    """An unjudged candidate study of a claim, with its rank and the machine's suggestion."""

    pmid: str
    score: float  # higher: judge it sooner
    suggested: str  # VERDICTS: a guess, never support
    why: str  # one line: what the suggestion rests on
    learned: bool  # the score used a model fitted on this claim's judgements


def _text(e: Evidence) -> str:
    return f"{e.title or ''} {e.abstract or ''} design_{e.design} form_{e.form}"


def _claim_text(claim: Claim) -> str:
    words = " ".join(re.sub(r"[^a-z ]", " ", t.lower()) for t in claim.evidence.terms)
    return f"{claim.wording} {words} {' '.join(claim.evidence.conditions)}"


def heuristic_scores(claim: Claim, evidence: Sequence[Evidence]) -> list[float]:
    """The rank before any judgement: label query, text relevance, design, recency."""
    if not evidence:
        return []
    docs = [_text(e) for e in evidence]
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [_claim_text(claim), *docs]
    )
    text = cosine_similarity(vectors[0], vectors[1:])[0]
    years = [e.year or 0 for e in evidence]
    low, high = min(years), max(years)
    w = HEURISTIC_WEIGHTS
    return [
        w["query"] * (1.0 if e.matched or e.added_by else 0.5)
        + w["text"] * float(t)
        + w["design"] * (len(DESIGNS) - DESIGN_RANK.get(e.design, len(DESIGNS))) / len(DESIGNS)
        + w["recency"] * ((y - low) / (high - low) if high > low else 0.0)
        for e, t, y in zip(evidence, text, years, strict=True)
    ]


def learned_relevance(evidence: Sequence[Evidence]) -> list[float] | None:
    """P(relevant) per candidate from a model fitted on the judged ones; None with too few."""
    judged = [e for e in evidence if e.verdict]
    relevant = [e.verdict != "irrelevant" for e in judged]
    if sum(relevant) < MIN_EACH or len(relevant) - sum(relevant) < MIN_EACH:
        return None
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
    vectorizer.fit([_text(e) for e in evidence])
    model = LogisticRegression(class_weight="balanced", C=10.0, max_iter=1000)
    model.fit(vectorizer.transform([_text(e) for e in judged]), relevant)
    return [
        float(p)
        for p in model.predict_proba(vectorizer.transform([_text(e) for e in evidence]))[:, 1]
    ]


def suggest(claim: Claim, e: Evidence, relevance: float | None = None) -> tuple[str, str]:
    """A suggested judgement and why, from the labels and the claim's kind. A guess only."""
    query = claim.evidence
    if not admissible(e, query):
        return "irrelevant", f"{e.design} study of {e.form}: cannot back a {query.kind} claim"
    if relevance is not None and relevance < LOW_RELEVANCE:
        return "irrelevant", f"unlike the studies judged relevant (p={relevance:.2f})"
    pattern = query.terms_pattern
    text = f"{e.title or ''} {e.abstract or ''}"
    if query.kind == "safety_profile":
        if pattern and re.search(pattern, text, re.IGNORECASE):
            return "supports", "reports the effects the claim names (read what it found)"
        return "irrelevant", "does not mention the effects the claim names"
    if query.kind == "practice":
        return "supports", f"a study of {e.form}, a form the claim describes"
    if e.finding == query.finding:
        return "supports", f"labelled {e.finding}"
    if e.finding == query.opposing:
        return "contradicts", f"labelled {e.finding}"
    if e.finding == "mixed":
        return "mixed", "labelled mixed"
    return "irrelevant", "the labels state no direction"


def rank_candidates(claim: Claim, evidence: Sequence[Evidence]) -> list[Candidate]:
    """The claim's unjudged candidates, the one to judge first first."""
    evidence = list(evidence)
    heuristic = heuristic_scores(claim, evidence)
    learned = learned_relevance(evidence)
    out = []
    for n, e in enumerate(evidence):
        if e.verdict:
            continue
        relevance = learned[n] if learned is not None else None
        score = heuristic[n]
        if relevance is not None:
            score = MODEL_WEIGHT * relevance + (1 - MODEL_WEIGHT) * score
        verdict, why = suggest(claim, e, relevance)
        out.append(Candidate(e.pmid, round(score, 4), verdict, why, relevance is not None))
    out.sort(key=lambda c: (-c.score, int(c.pmid)))
    return out
