"""Parse and label each spooled efetch answer while later batches are still being fetched.

Fetching is paced by NCBI's rate limit and leaves the CPUs idle; parsing and classifying a
backfill's records is the CPU's work. Worker processes started by *spawn* (a fresh
interpreter, never a fork of this process and the threads Prefect runs in it) take each part
as soon as its manifest is written and keep a digest beside it (``pubmed.spool``); the load
then reads digests instead of parsing. A part whose digest is missing, late or unusable is
parsed and labelled at load time as before, so a digest never decides what is loaded.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH
from labels.shipped import classify_articles, shipped_models
from pubmed.parser import iter_records
from pubmed.spool import Spool

# Below this many batches the workers' start (~3-5 CPU-s each: scikit-learn and the model)
# costs more than parsing in the load does: nightly runs fetch a batch or two.
MIN_BATCHES = 8
MAX_WORKERS = 4

_log = logging.getLogger(__name__)


def model_key(path: Path = DEFAULT_MODEL_PATH) -> str:
    """Names the labelling model by its bytes: a digest labelled by another model is unused."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def digest_part(root: str, name: str, key: str) -> int:
    """In a worker: parse one spooled part, label its articles, keep them beside it."""
    spool = Spool(Path(root))
    part = spool.part(name)
    if part.body is None:  # an id whose answer alone passed the cap: nothing to parse
        return 0
    with spool.open_body(part) as stream:
        records = list(iter_records(stream))
    labelled = iter(classify_articles([r for r in records if isinstance(r, Article)]))
    spool.add_digest(part, key, [next(labelled) if isinstance(r, Article) else r for r in records])
    return len(records)


def _warm() -> None:
    """Load the model when the worker starts, during the searches, not on its first part."""
    shipped_models()


class Digester:
    """A spawn process pool that digests each finished part of one spool once."""

    def __init__(self, spool: Spool, key: str, workers: int) -> None:
        self.spool, self.key = spool, key
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm)
        self._futures: dict[str, Future[int]] = {}

    @classmethod
    def for_run(cls, spool: Spool, batches: int) -> Digester | None:
        """A digester when the run fetches enough batches to repay starting one, else None."""
        setting = os.environ.get("EVIDENCE_DIGEST_WORKERS", "").strip()
        workers = int(setting) if setting.isdigit() else min(MAX_WORKERS, os.cpu_count() or 1)
        if batches < MIN_BATCHES or workers < 1:
            return None
        return cls(spool, model_key(), min(workers, batches))

    def catch_up(self) -> None:
        """Hand every finished part not yet handed out to the workers."""
        for name in self.spool.part_names():
            if name not in self._futures:
                self._futures[name] = self._pool.submit(
                    digest_part, str(self.spool.root), name, self.key
                )

    def finish(self) -> None:
        """Wait for every part handed out; a failed digest only means that part is parsed
        at load time."""
        self.catch_up()
        wait(self._futures.values())
        for name, future in self._futures.items():
            if future.exception() is not None:
                _log.warning("no digest for %s (parsed at load): %s", name, future.exception())
        self.close()

    def close(self) -> None:
        """Stop the workers; parts not started yet are left to the load."""
        self._pool.shutdown(wait=True, cancel_futures=True)
