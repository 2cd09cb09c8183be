"""One module per extraction rule, each with the same small interface.

``annotate(article, known)`` returns an ``Annotation``: the answer, how sure the rule is, and
the sentence behind the answer (for the reviewer's screen). ``known`` carries fields decided
before (routes read the drug, sample size reads the design). The hot path of ``classify`` calls
each module's cheaper ``extract_*`` function, which gives the same answer without the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Annotation:
    """A rule's answer for one record, with the sentence it rests on (None where there is none)."""

    value: Any
    confidence: float
    evidence: str | None
