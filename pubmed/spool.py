"""Fetched efetch bodies kept on disk until they are loaded, so a crashed run resumes.

The warehouse is only written in one transaction at the end of a run; until then each answer
sits here as received (gzip) with a manifest of the PMIDs it was asked for and the PMIDs it
returned. A rerun over the same window asks only for the PMIDs no part has answered, whatever
its batch size: parts are matched by PMID, never by batch number. A manifest is written after
its body and atomically, so a part without one was never finished and is ignored.

A part may also have a digest: its records as parsed and labelled (JSON lines, gzip), written
while later batches are still being fetched so the load need not parse them again. A digest
names the part's body digest and the labelling model's key; one that does not match, or
cannot be read, is ignored and the body is parsed as before.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from core.article import Article, Deletion, Quarantined, article_from_json

GZIP_LEVEL = 3  # ~90 MB/s at ratio 4.9 on PubMed XML (level 6: ~40 MB/s, 5.6)
DIGEST_LEVEL = 1  # a digest lives minutes; writing it fast matters more than its size

Record = Article | Deletion | Quarantined


@dataclass(frozen=True)
class SpoolPart:
    """One efetch answer: what was asked for, what came back, and where the body is."""

    name: str
    requested: tuple[str, ...]
    returned: tuple[str, ...]  # PMIDs whose record is in the body (incl. DeleteCitations)
    oversized: tuple[str, ...]  # returned, but over the record cap: quarantined at load
    too_large: tuple[str, ...]  # a single id whose whole answer passed the response cap
    fetched_at: datetime
    body: Path | None  # None when the answer was too large to keep
    sha256: str | None = None  # of the plain body

    @property
    def answered(self) -> frozenset[str]:
        """PMIDs this part settles: they need not be asked for again."""
        return frozenset((*self.returned, *self.oversized, *self.too_large))


@dataclass(frozen=True)
class Spool:
    """One run window's folder of fetched answers."""

    root: Path

    @classmethod
    def for_window(cls, db_path: Path, window_key: str, query_key: str) -> Spool:
        return cls(Path(db_path).parent / "spool" / f"{window_key}-{query_key}")

    def parts(self) -> list[SpoolPart]:
        """Every finished part, oldest first."""
        if not self.root.is_dir():
            return []
        parts = [_read_manifest(path) for path in self.root.glob("part-*.json")]
        return sorted(parts, key=lambda p: (p.fetched_at, p.name))

    def part_names(self) -> list[str]:
        """The names of the finished parts (their manifests exist), without reading them."""
        if not self.root.is_dir():
            return []
        return sorted(path.stem for path in self.root.glob("part-*.json"))

    def part(self, name: str) -> SpoolPart:
        """One finished part by name."""
        return _read_manifest(self.root / f"{name}.json")

    def answered(self) -> set[str]:
        """PMIDs some finished part settles."""
        return {pmid for part in self.parts() for pmid in part.answered}

    def missing(self, pmids: Iterable[str]) -> list[str]:
        """Those of ``pmids`` no finished part settles, in the order given."""
        answered = self.answered()
        return [p for p in pmids if p not in answered]

    def scratch(self) -> Path:
        """A fresh path for a body in flight; the caller removes it."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f".body-{uuid.uuid4().hex}.xml"

    def add_part(
        self,
        requested: Sequence[str],
        returned: Sequence[str],
        oversized: Sequence[str],
        body: Path,
    ) -> SpoolPart:
        """Keep a verified body (compressed, streamed) and then its manifest."""
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        target = self.root / f"{name}.xml.gz"
        tmp = target.with_suffix(".tmp")
        digest = hashlib.sha256()
        with body.open("rb") as src, gzip.open(tmp, "wb", compresslevel=GZIP_LEVEL) as out:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        os.replace(tmp, target)
        part = SpoolPart(
            name,
            tuple(requested),
            tuple(returned),
            tuple(oversized),
            (),
            _now(),
            target,
            digest.hexdigest(),
        )
        self._write_manifest(part)
        return part

    def add_too_large(self, pmid: str) -> SpoolPart:
        """Record that one id's answer alone passed the response cap: nothing to keep."""
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        part = SpoolPart(name, (pmid,), (), (), (pmid,), _now(), None)
        self._write_manifest(part)
        return part

    def open_body(self, part: SpoolPart) -> BinaryIO:
        """The part's body as a stream of plain XML (caller closes)."""
        if part.body is None:
            raise ValueError(f"spool part {part.name} kept no body")
        return gzip.open(part.body, "rb")  # type: ignore[return-value]

    def add_digest(self, part: SpoolPart, key: str, records: Iterable[Record]) -> Path:
        """Keep a part's records as parsed (and labelled with the model ``key`` names)."""
        path = self._digest_path(part)
        tmp = path.with_name(f"{path.name}.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=DIGEST_LEVEL) as out:
            out.write(json.dumps({"key": key, "sha256": part.sha256}) + "\n")
            for record in records:
                out.write(json.dumps(_digest_line(record)) + "\n")
        os.replace(tmp, path)
        return path

    def digest(self, part: SpoolPart, key: str) -> list[Record] | None:
        """The part's records from its digest, or None when it has none usable for ``key``."""
        path = self._digest_path(part)
        if part.body is None or not path.is_file():
            return None
        try:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                if json.loads(next(lines)) != {"key": key, "sha256": part.sha256}:
                    return None
                return [_digest_record(json.loads(line)) for line in lines]
        except (OSError, EOFError, StopIteration, ValueError, KeyError, TypeError, zlib.error):
            return None  # cut short or foreign: the body is parsed instead

    def digested(self, key: str) -> int:
        """How many finished parts have a digest for ``key`` (headers only are read)."""
        count = 0
        for part in self.parts():
            try:
                with gzip.open(self._digest_path(part), "rt", encoding="utf-8") as lines:
                    count += json.loads(next(lines)) == {"key": key, "sha256": part.sha256}
            except (OSError, EOFError, StopIteration, ValueError, zlib.error):
                continue
        return count

    def _digest_path(self, part: SpoolPart) -> Path:
        return self.root / f"digest-{part.name}.jsonl.gz"

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _write_manifest(self, part: SpoolPart) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "requested": part.requested,
            "returned": part.returned,
            "oversized": part.oversized,
            "too_large": part.too_large,
            "fetched_at": part.fetched_at.isoformat(),
            "body": part.body.name if part.body else None,
            "sha256": part.sha256,
        }
        path = self.root / f"{part.name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)


def _read_manifest(path: Path) -> SpoolPart:
    data = json.loads(path.read_text(encoding="utf-8"))
    return SpoolPart(
        name=path.stem,
        requested=tuple(data["requested"]),
        returned=tuple(data["returned"]),
        oversized=tuple(data["oversized"]),
        too_large=tuple(data["too_large"]),
        fetched_at=datetime.fromisoformat(data["fetched_at"]),
        body=path.parent / data["body"] if data["body"] else None,
        sha256=data.get("sha256"),
    )


def _digest_line(record: Record) -> dict[str, Any]:
    if isinstance(record, Article):
        return {"article": record.to_json()}
    if isinstance(record, Deletion):
        return {"deleted": record.pmid}
    raw = base64.b64encode(bytes(record.raw)).decode("ascii")
    return {"quarantined": {"reason": record.reason, "pmid": record.pmid, "raw": raw}}


def _digest_record(line: dict[str, Any]) -> Record:
    if "article" in line:
        return article_from_json(line["article"])
    if "deleted" in line:
        return Deletion(str(line["deleted"]))
    bad = line["quarantined"]
    return Quarantined(bad["reason"], bad["pmid"], base64.b64decode(bad["raw"]))


def _now() -> datetime:
    return datetime.now(UTC)


def prune_stale(spool_dir: Path, max_age_days: float = 7.0) -> None:
    """Remove spools of windows that were never completed and are too old to resume."""
    if not spool_dir.is_dir():
        return
    cutoff = time.time() - max_age_days * 86400
    for child in spool_dir.iterdir():
        if child.is_dir() and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
