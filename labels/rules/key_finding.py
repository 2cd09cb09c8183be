"""Key finding: the sentence that states the study's conclusion."""

from __future__ import annotations

import re

from core.article import Article
from labels.text import sentences

# ---------------------------------------------------------------------------------------------
# Key finding

_CONCLUSION_LABEL = re.compile(
    r"conclu|interpretation|implication|summary|take[- ]home|"
    r"significance|discussion",
    re.I,
)
_CONCLUSION_IN_TEXT = re.compile(
    r"(?:^|\n|;\s|\.\s)(?:CONCLUSIONS?|Conclusions?|INTERPRETATION|Interpretation|"
    r"CONCLUSION AND RELEVANCE)\s*[:.]\s*(?P<text>.+)$",
    re.S,
)
_CUES = re.compile(
    r"\b(?:in conclusion|we conclude|to conclude|conclusions?|these (?:findings|results|data)|"
    r"our (?:findings|results|data)|this study (?:shows|demonstrates|suggests|indicates|provides)|"
    r"suggests?|suggested|indicates?|demonstrates?|support(?:s|ed)?|highlights?|taken together|"
    r"overall|may be|might be|could be|appears? to|effective|warranted|recommend)\b",
    re.I,
)


def extract_key_finding(article: Article) -> str | None:
    """Return the conclusion: the labelled CONCLUSIONS section, else the best-scored sentence."""
    for section in article.abstract_sections:
        if (section.category or "").upper() == "CONCLUSIONS" or (
            section.label and _CONCLUSION_LABEL.search(section.label)
        ):
            return section.text.strip() or None
    abstract = article.abstract or ""
    if not abstract.strip():
        return None
    if any(
        word in abstract for word in ("ONCLUSION", "onclusion", "NTERPRETATION", "nterpretation")
    ):
        labelled = _CONCLUSION_IN_TEXT.search(abstract)
        if labelled:
            return labelled.group("text").strip().split("\n")[0].strip() or None
    sents = sentences(abstract)
    if not sents:
        return None
    best, best_score = sents[-1], -1.0
    start = max(0, len(sents) - 4)  # conclusions close an abstract
    for i, s in enumerate(sents[start:], start):
        position = (i + 1) / len(sents)
        score = 2.0 * position + 1.5 * len(_CUES.findall(s))
        if re.match(
            r"(?:in conclusion|we conclude|to conclude|in summary|overall|taken together|"
            r"these (?:findings|results)|our (?:findings|results))",
            s,
            re.I,
        ):
            score += 3.0
        if re.search(r"\bp\s?[<=>]|\d+(?:\.\d+)?\s?%|95%|\bci\b", s, re.I):
            score -= 1.5
        if score > best_score:
            best, best_score = s, score
    return best
