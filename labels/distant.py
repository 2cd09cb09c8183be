"""Distant labels: weak labels from PubMed indexing, and PubMedQA answers as finding signal.

Indexing (publication types, MeSH, keywords) gives design and conditions for records no one
labelled; it arrives days late, so the models learn from it but never need it to predict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from core.article import Article
from labels.text import article_text

_DESIGN_PTYPES = (
    (
        {"meta-analysis", "systematic review", "network meta-analysis", "scoping review"},
        "meta_analysis",
    ),
    ({"randomized controlled trial", "equivalence trial", "pragmatic clinical trial"}, "rct"),
    ({"observational study", "twin study", "validation study"}, "observational"),
    ({"case reports"}, "case_report"),
    (
        {
            "review",
            "editorial",
            "comment",
            "letter",
            "news",
            "practice guideline",
            "guideline",
            "consensus development conference",
            "clinical trial protocol",
            "lecture",
        },
        "review",
    ),
)
# "Prospective Studies" and "Follow-Up Studies" index many trials too, so they are not used.
_OBSERVATIONAL_MESH = {
    "retrospective studies",
    "cross-sectional studies",
    "cohort studies",
    "case-control studies",
    "surveys and questionnaires",
    "health surveys",
    "registries",
}
_TRIAL_PTYPES = {
    "clinical trial",
    "controlled clinical trial",
    "clinical trial, phase i",
    "clinical trial, phase ii",
    "clinical trial, phase iii",
    "clinical trial, phase iv",
}
_CONDITION_TERMS = {
    "depression": r"depress|antidepress|\bmdd\b|dysthymi|bipolar depression|mood disorders?$",
    "anxiety": r"anxi|panic|phobi|generali[sz]ed anxiety",
    "ptsd": r"post-?traumatic|\bptsd\b|combat disorders|acute stress disorder|stress disorders, "
    r"traumatic",
    # back pain only where chronic (the guide: pain of unstated duration is not chronic_pain)
    "chronic_pain": r"chronic pain|neuralgi|neuropath(?:y|ic) pain|fibromyalg|migraine|headache "
    r"disorders|complex regional|causalgia|reflex sympathetic|phantom limb|"
    r"chronic (?:low )?back pain|cancer pain|pain, intractable|osteoarthritis.*pain",
}


def build_distant_labels(articles: Iterable[Article]) -> dict[str, dict[str, Any]]:
    """Weak labels from indexing: design from publication types and MeSH, conditions from
    major MeSH headings or author keywords. Returns {pmid: {field: value}} for labelled records."""
    out: dict[str, dict[str, Any]] = {}
    for article in articles:
        labels: dict[str, Any] = {}
        design = _distant_design(article)
        if design is not None:
            labels["design"] = design
        conditions = _distant_conditions(article)
        if conditions is not None:
            labels["conditions"] = conditions
        if labels:
            out[article.pmid] = labels
    return out


def _distant_design(article: Article) -> str | None:
    ptypes = {p.lower() for p in article.publication_types}
    mesh = {m.lower() for m in article.mesh}
    for types, design in _DESIGN_PTYPES[:2]:
        if ptypes & types:
            return design
    if "animals" in mesh and "humans" not in mesh:
        return "preclinical"
    for types, design in _DESIGN_PTYPES[2:]:
        if ptypes & types:
            return design
    if ptypes & _TRIAL_PTYPES:
        text = article_text(article)
        return "rct" if re.search(r"randomi[sz]|randomly", text, re.I) else "nonrandomized_trial"
    if (
        "humans" in mesh
        and mesh & _OBSERVATIONAL_MESH
        and not re.search(r"randomi[sz]|randomly|placebo", article_text(article), re.I)
    ):
        return "observational"
    return None


def _distant_conditions(article: Article) -> tuple[str, ...] | None:
    terms = [m.lower() for m in article.mesh_major] or [k.lower() for k in article.keywords]
    if not terms:
        return None
    return tuple(
        name
        for name, pattern in _CONDITION_TERMS.items()
        if any(re.search(pattern, t) for t in terms)
    )


# PubMedQA's expert answer to "does the intervention/exposure do X?" read as a direction.
PUBMEDQA_FINDING = {"yes": "positive", "no": "negative", "maybe": "mixed"}


def pubmedqa_labels(items: Iterable[tuple[Article, str]]) -> dict[str, dict[str, Any]]:
    """{pmid: {"finding": direction}} from PubMedQA's yes / no / maybe answers."""
    return {
        a.pmid: {"finding": PUBMEDQA_FINDING[answer]}
        for a, answer in items
        if answer in PUBMEDQA_FINDING
    }
