"""The label values of TAXONOMY.md as the dashboards name, order and correct them.

The values themselves live with the record type (``core.article``), which loads no
scikit-learn.
"""

from __future__ import annotations

from core.article import (
    DESIGNS,
    DRUGS,
)

# DESIGNS is in TAXONOMY.md's order, "highest match wins": the order of strength filters use.
ON_TOPIC_DRUGS = DRUGS[:-1]  # `not_studied` is off-topic for every dashboard


_NAMES = {
    "ptsd": "PTSD",
    "chronic_pain": "Chronic pain",
    "meta_analysis": "Meta-analysis",
    "rct": "RCT",
    "nonrandomized_trial": "Non-randomised trial",
    "case_report": "Case report",
    "not_studied": "Not studied",
    "iv": "IV",
    "sample_size": "Sample size",
    "key_finding": "Key finding",
}


def display(value: str | None) -> str:
    """A label value as people read it: `chronic_pain` -> `Chronic pain`, `rct` -> `RCT`."""
    if value is None:
        return "—"
    return _NAMES.get(value, value.replace("_", " ").capitalize())


def design_rank(design: str) -> int:
    """1 for a meta-analysis (strongest) to 8 for `other`, as marts.dash_studies ranks it."""
    return DESIGNS.index(design) + 1
