"""The extraction rules under their first names (each rule lives in ``labels.rules``)."""

from __future__ import annotations

from labels.rules.drug import extract_drug, mentions_ketamine
from labels.rules.key_finding import extract_key_finding
from labels.rules.routes import extract_routes
from labels.rules.sample_size import NULL_SAMPLE_DESIGNS, extract_sample_size, is_animal_study
from labels.text import article_text, sentences

__all__ = [
    "NULL_SAMPLE_DESIGNS",
    "article_text",
    "extract_drug",
    "extract_key_finding",
    "extract_routes",
    "extract_sample_size",
    "is_animal_study",
    "mentions_ketamine",
    "sentences",
]
