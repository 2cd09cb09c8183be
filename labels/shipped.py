"""The shipped models (``models/classifier.skops``), loaded once per process and applied."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH, Models, load_models


@lru_cache(maxsize=2)
def shipped_models(path: Path = DEFAULT_MODEL_PATH) -> Models:
    """Load the models once per process: a skops load takes about a second."""
    return load_models(path)


def classify_articles(
    articles: Sequence[Article], path: Path = DEFAULT_MODEL_PATH, n_jobs: int = 1
) -> list[Article]:
    """Fill every taxonomy field, its confidence and the model version."""
    if not articles:
        return []
    return shipped_models(path).predict(articles, n_jobs=n_jobs)
