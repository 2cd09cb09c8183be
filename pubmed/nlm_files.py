"""NLM's baseline and daily update files: filter each to the topics, spool it, fold them in order.

Pure of Prefect: the bulk flow (``pipelines/baseline.py``) runs ``filter_file`` on each file
in a Dask task, passing the classifier in, and folds the results in one writer.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from core.article import Article, Deletion, Quarantined, article_from_json, is_older_revision
from pubmed.files import open_xml
from pubmed.parser import PubmedXMLError, parse_deletions, parse_record, split_records
from pubmed.query import SearchDocument, compile_query

Classify = Callable[[list[Article]], list[Article]]  # the labels' classifier, passed in

SOURCE = "pubmed-files"  # the quarantine's source for records from NLM files
XML_SUFFIXES = (".xml", ".xml.gz")
RAW_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'
CLASSIFY_CHUNK = 2000


@dataclass(frozen=True)
class FileResult:
    """What a worker hands back for one file: counts and where its kept records wait."""

    path: str
    sha256: str
    spool: str | None  # None when the file was already loaded and so skipped
    records: int = 0
    kept: int = 0
    deletions: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    error: str | None = None  # the whole file was unreadable; nothing of it is applied

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class FileRecords:
    """One file's spooled output, read back in the flow process."""

    articles: list[tuple[Article, tuple[str, ...]]] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    raw: dict[str, bytes] = field(default_factory=dict)  # kept records' XML, as in the file

    def raw_set(self) -> bytes:
        """The kept records as one PubmedArticleSet, for raw.efetch_batches."""
        return RAW_PROLOG + b"\n".join(self.raw.values()) + b"\n</PubmedArticleSet>\n"


@dataclass
class Folded:
    """The files applied in order: what one load writes."""

    articles: list[Article]
    deletions: list[str]
    quarantined: list[Quarantined]
    matches: dict[str, list[str]]


def list_pubmed_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand folders to their XML files by name (NLM's numbering is the order to apply).

    Files named on the command line keep the order they were given in.
    """
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [p for p in path.iterdir() if p.name.endswith(XML_SUFFIXES) and p.is_file()]
            out.extend(sorted(found, key=lambda p: p.name))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return list(dict.fromkeys(out))


def file_sha256(path: Path) -> str:
    """The file's identity: NLM never changes a published file, so content names it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def filter_file(
    path: Path,
    queries: Mapping[str, str],
    spool_dir: Path,
    *,
    classify: Classify,
    skip: frozenset[str] = frozenset(),
) -> FileResult:
    """Parse one file, keep the records a topic query matches, classify them and spool them.

    A file whose content is in ``skip`` was loaded before and is not parsed again; a spool
    left by an earlier, interrupted run over the same file and queries is reused.
    """
    started = time.perf_counter()
    sha = file_sha256(path)
    if sha in skip:
        return FileResult(path=str(path), sha256=sha, spool=None)
    spool = spool_dir / f"{sha[:24]}.jsonl.gz"  # spool_dir is per set of topic queries
    if not spool.exists():
        try:
            counts = _scan_to_spool(path, queries, spool, classify)
        except (PubmedXMLError, OSError, EOFError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            return FileResult(path=str(path), sha256=sha, spool=None, error=error)
    else:
        counts = _spool_counts(spool)
    seconds = round(time.perf_counter() - started, 3)
    return FileResult(
        path=str(path),
        sha256=sha,
        spool=str(spool),
        records=counts["records"],
        kept=counts["kept"],
        deletions=counts["deletions"],
        quarantined=counts["quarantined"],
        seconds=seconds,
    )


def _scan_to_spool(
    path: Path, queries: Mapping[str, str], spool: Path, classify: Classify
) -> dict[str, int]:
    """Write the file's kept records, deletions and failures; atomically, as the spool does."""
    compiled = {topic: compile_query(term) for topic, term in queries.items()}
    counts = {"records": 0, "kept": 0, "deletions": 0, "quarantined": 0}
    kept: list[Article] = []
    topics: dict[str, tuple[str, ...]] = {}
    lines: list[dict[str, Any]] = []
    raw: dict[str, bytes] = {}
    with open_xml(path) as stream:
        for chunk, record in _records_with_bytes(stream):
            if isinstance(record, Article):
                counts["records"] += 1
                document = SearchDocument.from_article(record)
                matched = tuple(t for t, q in compiled.items() if q.matches(document))
                if matched:
                    kept.append(record)
                    topics[record.pmid], raw[record.pmid] = matched, chunk
            elif isinstance(record, Deletion):
                counts["deletions"] += 1
                lines.append({"kind": "deletion", "pmid": record.pmid})
            else:
                counts["quarantined"] += 1
                lines.append(_quarantine_line(record))
    counts["kept"] = len(kept)
    for start in range(0, len(kept), CLASSIFY_CHUNK):
        part = kept[start : start + CLASSIFY_CHUNK]
        labelled = classify(part)
        for article in labelled:
            line = {"kind": "article", "topics": topics[article.pmid], **article.to_json()}
            line["raw"] = base64.b64encode(raw[article.pmid]).decode("ascii")
            lines.append(line)
    spool.parent.mkdir(parents=True, exist_ok=True)
    tmp = spool.with_name(f".{spool.name}.{os.getpid()}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as out:
        out.write(json.dumps({"kind": "counts", **counts}) + "\n")
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    os.replace(tmp, spool)
    return counts


def _records_with_bytes(
    stream: BinaryIO,
) -> Iterator[tuple[bytes, Article | Deletion | Quarantined]]:
    """iter_records, keeping each record's bytes so the kept ones are stored as received."""
    for chunk in split_records(stream):
        if chunk.startswith(b"<DeleteCitation"):
            for notice in parse_deletions(chunk):
                yield chunk, notice
        else:
            yield chunk, parse_record(chunk)


def _quarantine_line(record: Quarantined) -> dict[str, Any]:
    raw = base64.b64encode(record.raw).decode("ascii")
    return {"kind": "quarantined", "pmid": record.pmid, "reason": record.reason, "raw": raw}


def _spool_counts(spool: Path) -> dict[str, int]:
    with gzip.open(spool, "rt", encoding="utf-8") as handle:
        head = json.loads(handle.readline())
    return {k: int(v) for k, v in head.items() if k != "kind"}


def read_spool(spool: Path) -> FileRecords:
    """Read a file's kept records back (articles in file order, with the topics they matched)."""
    out = FileRecords()
    with gzip.open(spool, "rt", encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            kind = data.pop("kind")
            if kind == "article":
                topics = tuple(data.pop("topics"))
                out.raw[data["pmid"]] = base64.b64decode(data.pop("raw"))
                out.articles.append((article_from_json(data), topics))
            elif kind == "deletion":
                out.deletions.append(data["pmid"])
            elif kind == "quarantined":
                raw = base64.b64decode(data["raw"])
                out.quarantined.append(Quarantined(data["reason"], data["pmid"], raw))
    return out


def fold_files(files: Iterable[FileRecords]) -> Folded:
    """Apply files in order: a later record replaces an earlier one unless it is an older
    revision, a deletion drops what came before it, and a record after a deletion revives it.
    """
    articles: dict[str, tuple[Article, tuple[str, ...]]] = {}
    deleted: dict[str, None] = {}
    quarantined: list[Quarantined] = []
    for records in files:
        for article, topics in records.articles:
            held = articles.get(article.pmid)
            if held is None or not is_older_revision(article, held[0]):
                articles[article.pmid] = (article, topics)
            deleted.pop(article.pmid, None)
        for pmid in records.deletions:
            articles.pop(pmid, None)
            deleted[pmid] = None
        quarantined.extend(records.quarantined)
    matches: dict[str, list[str]] = {}
    for pmid, (_, topics) in articles.items():
        for topic in topics:
            matches.setdefault(topic, []).append(pmid)
    kept = [article for article, _ in articles.values()]
    return Folded(kept, list(deleted), quarantined, matches)


def file_mtime(path: Path) -> datetime:
    """When the file was written: the time its records are stamped as fetched."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def file_failure(result: FileResult) -> Quarantined:
    """A file that could not be read is quarantined whole: applying half of it could lose
    the deletions NLM puts at its end."""
    reason = f"{result.name}: unreadable file, none of it applied ({result.error})"
    return Quarantined(reason=reason, pmid=None, raw=b"")
