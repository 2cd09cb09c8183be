"""The labelled corpus as training reads it: records, gold labels, sources and the frozen split.

Gold per record (docs/labelling-guide.md, Part 3): the adjudicated row if any, else the seed row,
else the agent row. The 600 PMIDs of ``test-split.txt`` are only ever reported on; every loader
here hands them out apart, and ``split_training`` refuses to let one into training data.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.article import LABEL_FIELDS, Article, article_from_json

LABELS_DIR = Path("data/labels")
SOURCE_RANK = {"correction": 0, "adjudicated": 1, "seed": 2, "agent": 3}


@dataclass(frozen=True)
class Correction:
    """A reviewer's correction of one label; it overrides every other label in training."""

    pmid: str
    field: str
    value: Any


@dataclass
class Corpus:
    """Labelled records with their gold labels, and where each gold label came from."""

    articles: list[Article]
    labels: list[dict[str, Any]]
    sources: list[str] = field(default_factory=list)

    def subset(self, keep: Iterable[int]) -> Corpus:
        """The records at the given positions, in that order."""
        idx = list(keep)
        return Corpus(
            [self.articles[i] for i in idx],
            [self.labels[i] for i in idx],
            [self.sources[i] for i in idx],
        )


class FrozenSplitLeak(AssertionError):
    """A frozen test record reached training data."""


def load_test_pmids(path: Path) -> frozenset[str]:
    """The frozen test split: one PMID a line, ``#`` comments."""
    lines = path.read_text("utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def gold_labels(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[dict[str, Any], str]]:
    """{pmid: (label fields, source)}: the latest adjudicated row, else seed, else the first
    agent row (a re-reading adjudicates again, so the later adjudication stands)."""
    best: dict[str, tuple[dict[str, Any], str]] = {}
    for row in rows:
        pmid, source = str(row["pmid"]), str(row.get("source", "seed"))
        held = best.get(pmid)
        if (
            held is None
            or SOURCE_RANK[source] < SOURCE_RANK[held[1]]
            or source == held[1] == "adjudicated"
        ):
            best[pmid] = ({k: _label_value(row[k]) for k in LABEL_FIELDS}, source)
    return best


def _label_value(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def load_corpus(root: Path) -> Corpus:
    """Every labelled record (seed and corpus), each with its gold label, in PMID order."""
    base = root / LABELS_DIR
    records = _jsonl(base / "seed-records.jsonl") + _jsonl(base / "corpus-records.jsonl.gz")
    gold = gold_labels(_jsonl(base / "corpus-labels.jsonl"))
    articles = {str(r["pmid"]): _article(r) for r in records if str(r["pmid"]) in gold}
    pmids = sorted(articles, key=lambda p: (len(p), p))
    return Corpus(
        [articles[p] for p in pmids], [gold[p][0] for p in pmids], [gold[p][1] for p in pmids]
    )


def _article(record: Mapping[str, Any]) -> Article:
    fields = {k: v for k, v in record.items() if k not in (*LABEL_FIELDS, "corpus_source")}
    return article_from_json(fields)


def split_corpus(corpus: Corpus, test_pmids: frozenset[str]) -> tuple[Corpus, Corpus]:
    """(training part, frozen test part)."""
    train = [i for i, a in enumerate(corpus.articles) if a.pmid not in test_pmids]
    test = [i for i, a in enumerate(corpus.articles) if a.pmid in test_pmids]
    return corpus.subset(train), corpus.subset(test)


def refuse_test_records(pmids: Iterable[str], test_pmids: frozenset[str]) -> None:
    """Raise if any training PMID is a frozen test PMID (the split is only ever reported on)."""
    leaked = sorted(set(pmids) & test_pmids)
    if leaked:
        raise FrozenSplitLeak(f"{len(leaked)} frozen test records in training data: {leaked[:5]}")


def load_seed(records_path: Path, labels_path: Path) -> tuple[list[Article], list[dict[str, Any]]]:
    """Read the seed records (JSONL) and their labels, aligned by PMID."""
    labels = {str(r["pmid"]): r for r in _jsonl(labels_path)}
    articles, aligned = [], []
    for rec in _jsonl(records_path):
        pmid = str(rec["pmid"])
        if pmid in labels:
            articles.append(_article(rec))
            aligned.append({k: _label_value(labels[pmid][k]) for k in LABEL_FIELDS})
    return articles, aligned


def load_distant_articles(paths: Iterable[Path]) -> list[Article]:
    """Parse PubMed XML files (plain or gzip) into articles that have an abstract."""
    from pubmed.files import open_xml
    from pubmed.parser import iter_records

    out: list[Article] = []
    for path in paths:
        with open_xml(path) as stream:
            out.extend(
                r
                for r in iter_records(stream)  # type: ignore[arg-type]
                if isinstance(r, Article) and r.abstract
            )
    return out


def load_pubmedqa(path: Path) -> list[tuple[Article, str]]:
    """PubMedQA's expert set as (article, yes/no/maybe): contexts as abstract, long answer last.

    Allowed only as extra finding signal (never as test data); PMIDs are kept so the training
    inputs can drop any record that is also labelled or in the frozen split.
    """
    if not path.exists():
        return []
    data = json.loads(path.read_text("utf-8"))
    out = []
    for pmid, item in sorted(data.items()):
        contexts = _listish(item.get("CONTEXTS"))
        answer = str(item.get("LONG_ANSWER") or "").strip()
        abstract = " ".join([*contexts, f"CONCLUSIONS: {answer}" if answer else ""]).strip()
        title = str(item.get("QUESTION") or "")
        out.append(
            (Article(pmid=str(pmid), title=title, abstract=abstract), item["final_decision"])
        )
    return out


def _listish(value: Any) -> list[str]:
    """PubMedQA's lists arrive either as lists or as their Python repr."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        import ast

        return [str(v) for v in ast.literal_eval(value)]
    return [str(value)] if value else []


def source_counts(sources: Sequence[str]) -> dict[str, int]:
    """How many gold labels each source gave (seed / agent / adjudicated)."""
    out: dict[str, int] = {}
    for s in sources:
        out[s] = out.get(s, 0) + 1
    return dict(sorted(out.items()))
