"""Records for the rule tests: an abstract under a plain title, and the design the rules give a
record whose classifier gives chosen designs chosen probabilities.

Imported explicitly (``from sample_records import art, design_of``).
"""

from __future__ import annotations

import numpy as np

from core.article import DESIGNS, Article
from labels.rules.design import decide_design


def art(abstract: str, title: str = "A study") -> Article:
    return Article(pmid="0", title=title, abstract=abstract)


def design_of(title: str, abstract: str, **probability: float) -> str:
    """decide_design on a record whose classifier gives these designs these probabilities."""
    probs = np.full(len(DESIGNS), 0.01)
    for design, p in probability.items():
        probs[DESIGNS.index(design)] = p
    record = Article(pmid="1", title=title, abstract=abstract)
    return decide_design(record, probs, {"rct_threshold": 0.2})[0]
