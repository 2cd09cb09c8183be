"""The records a stand-in serves: real PubMed XML, parsed once, kept as bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from core.article import Article, Deletion
from pubmed.files import open_xml
from pubmed.parser import parse_deletions, parse_record, split_records
from pubmed.query import SearchDocument


@dataclass(frozen=True)
class StoredRecord:
    """A served record: its original bytes, what queries search, and its dates by type."""

    pmid: str
    raw: bytes
    document: SearchDocument
    dates: Mapping[str, date | None]

    @classmethod
    def from_article(cls, article: Article, raw: bytes) -> StoredRecord:
        year = date(article.year, 1, 1) if article.year else None
        crdt = article.created_date or article.entry_date or year
        dates = {
            "edat": article.entry_date or crdt,
            "crdt": crdt,
            "mdat": article.revised_date or crdt,
            "pdat": year,
        }
        return cls(article.pmid, raw, SearchDocument.from_article(article), dates)


def read_records(stream: BinaryIO) -> tuple[list[StoredRecord], list[str]]:
    """Split and parse a PubmedArticleSet into records to serve and PMIDs to delete."""
    records: list[StoredRecord] = []
    deleted: list[str] = []
    for chunk in split_records(stream):
        if chunk.startswith(b"<DeleteCitation"):
            deleted += [
                d.pmid for d in parse_deletions(chunk) if isinstance(d, Deletion) and d.pmid
            ]
            continue
        parsed = parse_record(chunk)
        if isinstance(parsed, Article):
            records.append(StoredRecord.from_article(parsed, chunk))
    return records, deleted


def load_records(sources: Iterable[Path | str | bytes]) -> list[StoredRecord]:
    """Records from PubMed XML files (plain or gzip, by content) or in-memory documents."""
    out: list[StoredRecord] = []
    for source in sources:
        if isinstance(source, bytes):
            out += read_records(io.BytesIO(source))[0]
            continue
        with open_xml(source) as stream:
            out += read_records(stream)[0]
    return out
