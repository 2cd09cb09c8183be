"""Text helpers every rule and feature reads: sentences, the record's text, normalisation."""

from __future__ import annotations

import functools
import re

from core.article import Article

_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


@functools.lru_cache(maxsize=4096)
def _split_sentences(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENT_SPLIT.split(text) if s and s.strip())


def article_text(article: Article) -> str:
    """Title and abstract as one string (the text every classifier reads)."""
    return f"{article.title or ''}\n{article.abstract or ''}"


def sentences(text: str) -> list[str]:
    """Split an abstract into sentences (good enough for PubMed prose)."""
    return list(_split_sentences(text))


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
    r"procedural|dental|surgical) anxiety\b|"
    # "depression of drug metabolism", "depression of respiration": a function lowered
    r"\bdepression (of (?:the )?(?:drug|hepatic|liver|microsomal|enzyme|metabolic|metabolism|"
    r"respirat|ventilat|myocardial|cardiac|contractil|neuronal|synaptic|spinal|reflex|"
    r"cortical|transmission|activity|growth|protein|immune|bone marrow|marrow|platelet|"
    r"the (?:cns|central nervous system)))"
)


def _rename_sense(m: re.Match[str]) -> str:
    if m.group(1):
        return f"{m.group(1)} hypofunction"
    if m.group(2):
        return f"{m.group(2)} apprehension"
    return f"hypofunction {m.group(3)}"


def normalise(text: str) -> str:
    """Lower-case and map British spellings to American, so both read as one feature."""
    text = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(0)], text.lower())
    if "depression" in text or "anxiety" in text:
        text = _NOT_MOOD.sub(_rename_sense, text)
    return text
