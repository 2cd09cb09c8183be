"""The parts of an abstract that can state a study's own sample, in the order to read them.

Methods and results state the sample; an aim sometimes gives it ("evaluated in 76 older adults")
and a background section rarely does, since it mostly counts other people's patients. Each
abstract is split once, here, so the sample-size rules can fall back from one part to the next
without splitting it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.article import Article
from labels.text import sentences

_BACKGROUND_LABEL = re.compile(
    r"background|introduction|context|rationale|importance|objective|aim|purpose", re.I
)
_STUDY_LABEL = re.compile(r"method|design|setting|participant|patient|subject|result", re.I)
_AIM_LABEL = re.compile(r"objective|aim|purpose", re.I)
_SECTION_LABEL = re.compile(r"^([A-Z][A-Za-z ,&/]{2,40}):\s")


@dataclass
class AbstractParts:
    """Clauses of one abstract, by the part they come from."""

    study: list[str] = field(default_factory=list)  # methods, results, unlabelled text
    aims: list[str] = field(default_factory=list)  # objective or aim
    background: list[str] = field(default_factory=list)


def abstract_parts(article: Article) -> AbstractParts:
    """Split the abstract into study, aim and background clauses (by section when PubMed gives
    sections, else by the "LABEL:" that opens a sentence)."""
    parts = AbstractParts()
    sections = article.abstract_sections
    if len(sections) > 1 and any(
        (s.category or "").upper() in ("METHODS", "RESULTS") for s in sections
    ):
        for s in sections:
            category, label = (s.category or "").upper(), s.label or ""
            if category not in ("BACKGROUND", "OBJECTIVE") or _STUDY_LABEL.search(label):
                parts.study.extend(clauses(s.text))
            elif category == "OBJECTIVE" or _AIM_LABEL.search(label):
                parts.aims.extend(clauses(s.text))
            else:
                parts.background.extend(clauses(s.text))
        return parts
    for clause in clauses(article.abstract or ""):
        opening = _SECTION_LABEL.match(clause)
        name = opening.group(1) if opening else ""
        if not name or not _BACKGROUND_LABEL.search(name) or _STUDY_LABEL.search(name):
            parts.study.append(clause)
        elif _AIM_LABEL.search(name):
            parts.aims.append(clause)
        else:
            parts.background.append(clause)
    return parts


# "randomized to: 1) ... (n = 233); 2) ... (n = 216); or 3) ... (n = 226)": a numbered item.
_NEXT_ITEM = re.compile(r"^(?:and |or )?\(?(?:[2-9]|ii|iii|iv|v|vi)\)\s")


def clauses(text: str) -> list[str]:
    """Sentences, with a split at ";" inside brackets or between numbered items undone: "Group 1
    (n = 100; F 56, M 44)" and "1) ... (n = 87); 2) ... (n = 88)" are one statement each."""
    out: list[str] = []
    for sentence in sentences(text):
        if (
            out
            and out[-1].endswith(";")
            and (_open_brackets(out[-1]) or _NEXT_ITEM.match(sentence))
        ):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def _open_brackets(text: str) -> bool:
    return text.count("(") + text.count("[") > text.count(")") + text.count("]")
