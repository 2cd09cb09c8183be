"""Fetched efetch bodies kept on disk until they are loaded, so a crashed run resumes.

The warehouse is only written in one transaction at the end of a run; until then each batch
sits here as received (gzip), and a rerun over the same window reuses what was fetched.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spool:
    """One run window's folder of fetched batches."""

    root: Path

    @classmethod
    def for_window(cls, db_path: Path, window_key: str, query_key: str) -> Spool:
        return cls(Path(db_path).parent / "spool" / f"{window_key}-{query_key}")

    def batch_path(self, batch_no: int) -> Path:
        return self.root / f"batch-{batch_no:05d}.xml.gz"

    def has_batch(self, batch_no: int) -> bool:
        return self.batch_path(batch_no).exists()

    def write_batch(self, batch_no: int, body: bytes) -> Path:
        """Write atomically: a half-written file must never look like a fetched batch."""
        path = self.batch_path(batch_no)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(body, compresslevel=3))
        os.replace(tmp, path)
        return path

    def read_batch(self, batch_no: int) -> bytes:
        return gzip.decompress(self.batch_path(batch_no).read_bytes())

    def write_plan(self, plan: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / "plan.json.tmp"
        tmp.write_text(json.dumps(plan), encoding="utf-8")
        os.replace(tmp, self.root / "plan.json")

    def read_plan(self) -> dict | None:
        path = self.root / "plan.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def prune_stale(spool_dir: Path, max_age_days: float = 7.0) -> None:
    """Remove spools of windows that were never completed and are too old to resume."""
    if not spool_dir.is_dir():
        return
    cutoff = time.time() - max_age_days * 86400
    for child in spool_dir.iterdir():
        if child.is_dir() and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
