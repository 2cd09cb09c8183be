"""The topic queries: one PubMed query per condition, each ANDed with the ketamine clause."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.settings import TOPICS_FILE


@dataclass(frozen=True)
class TopicQueries:
    """The condition queries, each already combined with the ketamine clause."""

    queries: Mapping[str, str]


def load_topics(path: Path = TOPICS_FILE) -> TopicQueries:
    """Read the topic file and AND each condition query with the ketamine clause."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    ketamine = " ".join(doc["ketamine"].split())
    queries = {
        name: f"{ketamine} AND {' '.join(term.split())}" for name, term in doc["topics"].items()
    }
    return TopicQueries(queries=queries)
