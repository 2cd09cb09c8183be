"""A record as the appraisal robots read it: sentences that know their abstract section.

Every robot answers with the sentence behind it, and several answers depend on where a sentence
sits (a conclusion, a result), so the record is cut into sentences once, here. Structured
abstracts carry NlmCategory labels; older and reconstructed abstracts carry inline labels
("RESULTS: ...") or sections joined by "; ", and those are recovered as well as the text allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.article import Article

CATEGORIES = ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence, its section's NlmCategory (None when unknown) and the section's label."""

    text: str
    category: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Doc:
    """What every robot reads: title, sentences, and the labels a rule may lean on."""

    pmid: str
    title: str
    sentences: tuple[Sentence, ...]
    publication_types: tuple[str, ...] = ()
    finding: str | None = None
    design: str | None = None

    @property
    def text(self) -> str:
        """Title and abstract as one normalised string."""
        return " ".join([self.title, *(s.text for s in self.sentences)])

    def in_section(self, *categories: str) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if s.category in categories)

    def conclusion(self) -> tuple[Sentence, ...]:
        """The conclusion sentences: the CONCLUSIONS section, else the last two sentences."""
        marked = self.in_section("CONCLUSIONS")
        return marked if marked else self.sentences[-2:]


# Lancet's middle-dot decimals, unicode minus signs and non-breaking spaces would defeat every
# number pattern downstream; they are made plain once here.
_PLAIN = str.maketrans(
    {"·": ".", "−": "-", "–": "-", "—": "-", "\u2009": " ", "\u202f": " ", "\xa0": " "}
)


def plain(text: str) -> str:
    """Normalise decimals, minus signs and spaces (never the words)."""
    return " ".join(text.translate(_PLAIN).split())


_ABBREV = re.compile(
    r"(?:\b(?:vs|e\.g|i\.e|i\.v|i\.m|s\.c|p\.o|et al|approx|ca|cf|Fig|Figs|No|no|Dr|Drs|Mr|Mrs|"
    r"Ms|St|Inc|Ltd|Co|Jr|resp|incl|b\.i\.d|t\.i\.d|q\.d|U\.S|[A-Z])\.)$"
)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as "vs." and "i.v." whole."""
    out: list[str] = []
    for piece in _SPLIT.split(text):
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        elif piece.strip():
            out.append(piece.strip())
    return out


# Inline section labels as PubMed prints them in an unstructured abstract, mapped to NlmCategory.
_INLINE = re.compile(r"(?:^|(?<=[.;]\s))(?P<label>[A-Z][A-Z ,&/-]{2,60}[A-Z]):\s+")
_LABEL_CATEGORY = (
    ("CONCLUSION", "CONCLUSIONS"),
    ("INTERPRETATION", "CONCLUSIONS"),
    ("DISCUSSION", "CONCLUSIONS"),
    ("IMPLICATION", "CONCLUSIONS"),
    ("RESULT", "RESULTS"),
    ("FINDING", "RESULTS"),
    ("OUTCOME", "METHODS"),
    ("METHOD", "METHODS"),
    ("DESIGN", "METHODS"),
    ("SETTING", "METHODS"),
    ("PARTICIPANT", "METHODS"),
    ("PATIENT", "METHODS"),
    ("INTERVENTION", "METHODS"),
    ("MEASURE", "METHODS"),
    ("REGISTRATION", "METHODS"),
    ("OBJECTIVE", "OBJECTIVE"),
    ("PURPOSE", "OBJECTIVE"),
    ("AIM", "OBJECTIVE"),
    ("IMPORTANCE", "BACKGROUND"),
    ("BACKGROUND", "BACKGROUND"),
    ("INTRODUCTION", "BACKGROUND"),
    ("CONTEXT", "BACKGROUND"),
)


def category_of(label: str | None) -> str | None:
    """The NlmCategory a free-text section label stands for, if any."""
    if not label:
        return None
    upper = label.upper()
    for word, category in _LABEL_CATEGORY:
        if word in upper:
            return category
    return None


def _inline_sections(text: str) -> list[tuple[str | None, str]]:
    """Cut an unstructured abstract at inline labels ("RESULTS: ...") or at ".; " joins."""
    marks = [m for m in _INLINE.finditer(text) if category_of(m.group("label"))]
    if marks:
        parts: list[tuple[str | None, str]] = []
        if marks[0].start() > 0:
            parts.append((None, text[: marks[0].start()]))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            parts.append((m.group("label"), text[m.end() : end]))
        return parts
    pieces = [p for p in re.split(r"(?<=[.!?]);\s+", text) if p.strip()]
    if len(pieces) < 3:
        return [(None, text)]
    # Reconstructed abstracts join the sections with "; ": aim first, conclusion last.
    names = ["OBJECTIVE"] + ["METHODS"] * (len(pieces) - 3) + ["RESULTS", "CONCLUSIONS"]
    return [(f"[{name}]", piece) for name, piece in zip(names, pieces, strict=True)]


def _sections(article: Article) -> list[tuple[str | None, str | None, str]]:
    """(label, category, text) per section, structured or recovered."""
    secs = article.abstract_sections
    if len(secs) > 1:
        return [
            (s.label, s.category if s.category in CATEGORIES else category_of(s.label), s.text)
            for s in secs
        ]
    text = article.abstract or (secs[0].text if secs else "")
    return [
        (label.strip("[]") if label else None, category_of(label), part)
        for label, part in _inline_sections(plain(text))
    ]


def read_article(article: Article, finding: str | None = None, design: str | None = None) -> Doc:
    """Cut a record into section-aware sentences; ``finding``/``design`` default to its labels."""
    sentences: list[Sentence] = []
    for label, category, text in _sections(article):
        cat = category if category in CATEGORIES else None
        for sent in split_sentences(plain(text)):
            sentences.append(Sentence(sent, cat, label))
    return Doc(
        pmid=article.pmid,
        title=plain(article.title or ""),
        sentences=tuple(sentences),
        publication_types=article.publication_types,
        finding=finding if finding is not None else article.finding,
        design=design if design is not None else article.design,
    )
