"""Text helpers every rule and feature reads: sentences, the record's text, normalisation."""

from __future__ import annotations

import functools
import re

from core.article import Article
from labels.cue_patterns import CONDITION_MENTIONS

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


# TAXONOMY.md: physiological "depression" (respiratory, cardiovascular, ST-segment, synaptic,
# inbreeding...) is not the mood disorder, and perioperative or pre-procedural anxiety is not
# ``anxiety``. Renaming these senses keeps the depression and anxiety features and cues for the
# conditions.
_NOT_MOOD = re.compile(
    r"\b(respiratory|ventilatory|cardiovascular|cardiorespiratory|cardiac|myocardial|circulatory|"
    r"hemodynamic|cns|st[- ]segment|s-t segment|s-t|st|neuromuscular|spreading|bone marrow|marrow|"
    r"long-term|short-term|synaptic|paired-pulse|post-tetanic|frequency-dependent|inbreeding|"
    r"outbreeding|end-?plate|immune|cryogenic|locomotor|twitch|eeg|medullary|reflex) "
    r"depressions?\b|"
    r"\b(pre-?operative|peri-?operative|pre-?procedural|pre-?surgical|pre-?anesthetic|"
    r"procedural|dental|surgical) anxiety\b|"
    # "depression of drug metabolism", "depression of respiration": a function lowered
    r"\bdepression (of (?:the )?(?:drug|hepatic|liver|microsomal|enzyme|metabolic|metabolism|"
    r"respirat|ventilat|myocardial|cardiac|contractil|neuronal|synaptic|spinal|reflex|"
    r"cortical|transmission|activity|growth|protein|immune|bone marrow|marrow|platelet|"
    r"cell-mediated|cellular|immunity|lymphoid|thymus|blood group|antigen|evoked|excitab|"
    r"firing|locomotor|motor activity|consciousness|the (?:cns|central nervous system)))|"
    # a depressed skull fracture; a CNS depressant (not an antidepressant)
    r"\b(depressed (?:skull )?fractures?|(?<!anti)(?<!anti-)depressants?)\b"
)


def _rename_sense(m: re.Match[str]) -> str:
    if m.group(1):
        return f"{m.group(1)} hypofunction"
    if m.group(2):
        return f"{m.group(2)} apprehension"
    if m.group(3):
        return f"hypofunction {m.group(3)}"
    word = m.group(4)
    if word.startswith("depressed"):
        return "indented fractures" if word.endswith("s") else "indented fracture"
    return "sedatives" if word.endswith("s") else "sedative"


def normalise(text: str) -> str:
    """Lower-case and map British spellings to American, so both read as one feature."""
    text = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(0)], text.lower())
    if "depress" in text or "anxiety" in text:
        text = _NOT_MOOD.sub(_rename_sense, text)
    return text


_MENTIONS = {c: re.compile(p) for c, p in CONDITION_MENTIONS.items()}


def named_conditions(text: str, conditions: tuple[str, ...]) -> tuple[str, ...]:
    """``conditions`` less those the normalised text never mentions (see CONDITION_MENTIONS)."""
    return tuple(c for c in conditions if c not in _MENTIONS or _MENTIONS[c].search(text))
