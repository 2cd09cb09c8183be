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
import threading
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH
from labels.shipped import classify_articles, shipped_models
from pubmed.parser import iter_records
from pubmed.spool import Spool

# Below this many batches a run is a night's batch or two: parsed at load, as before.
MIN_BATCHES = 2
MAX_WORKERS = 4

_log = logging.getLogger(__name__)


def model_key(path: Path = DEFAULT_MODEL_PATH) -> str:
    """Names the labelling model by its bytes: a digest labelled by another model is unused."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def digest_part(root: str, name: str, key: str) -> int:
    """Parse one spooled part, label its articles, keep them beside it (in a worker process
    or on the helper thread)."""
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


def worker_count(batches: int) -> int | None:
    """Worker processes for a run of ``batches``; None: no digests at all.

    ``EVIDENCE_DIGEST_WORKERS``: ``off``, or how many processes beside the helper thread
    (``0``, the default: the thread alone). The thread costs nothing to start and does on the
    idle CPU what the load would do later; a process adds a second core but pays ~5-18 CPU-s
    to start, which on a shared 2-core machine cost more than it saved (measured in
    bench/ingest_bench.py: 46 CPU-s more, 2.2x the wall time, with one worker).
    """
    setting = os.environ.get("EVIDENCE_DIGEST_WORKERS", "").strip().lower()
    if setting == "off" or batches < MIN_BATCHES:
        return None
    if setting.isdigit():
        return min(int(setting), MAX_WORKERS, batches)
    return 0


class Digester:
    """Digests each finished part of one spool once: worker processes (spawned) take the
    parts from the oldest, a thread of this process takes them from the newest."""

    def __init__(self, spool: Spool, key: str, workers: int) -> None:
        self.spool, self.key = spool, key
        self._pool = None
        if workers:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm)
        self._futures: dict[str, Future[int]] = {}
        self._lock = threading.Lock()
        self._fetched = threading.Event()
        self._helper = threading.Thread(target=self._help, name="digest-helper", daemon=True)
        self._helper.start()

    @classmethod
    def for_run(cls, spool: Spool, batches: int) -> Digester | None:
        """A digester when the run fetches enough batches to repay one, else None."""
        workers = worker_count(batches)
        return None if workers is None else cls(spool, model_key(), workers)

    def catch_up(self) -> None:
        """Hand every finished part not yet handed out to the workers (or the thread)."""
        with self._lock:
            for name in self.spool.part_names():
                if name in self._futures:
                    continue
                self._futures[name] = self._hand_out(name)

    def _hand_out(self, name: str) -> Future[int]:
        """A worker's future for ``name``, or one pending for the thread: a pool whose worker
        died (killed, or unable to start) is dropped and the thread does the rest alone."""
        if self._pool is not None:
            try:
                return self._pool.submit(digest_part, str(self.spool.root), name, self.key)
            except BrokenProcessPool as exc:
                _log.warning("digest workers stopped (the thread goes on alone): %s", exc)
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        return Future()  # the thread's: pending until it takes it

    def finish(self) -> None:
        """Once the last batch is in: digest what is left, the thread and the workers together;
        a failed digest only means that part is parsed at load time."""
        self.catch_up()
        self._fetched.set()
        self._helper.join()
        running = {n: f for n, f in self._futures.items() if not f.cancelled()}
        wait(running.values())
        for name, future in running.items():
            if future.exception() is not None:
                _log.warning("no digest for %s (parsed at load): %s", name, future.exception())
        self.close()

    def close(self) -> None:
        """Stop the workers and the thread; parts not started yet are left to the load."""
        self._fetched.set()
        with self._lock:
            for future in self._futures.values():
                future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _take_newest(self) -> str | None:
        """The newest part no worker has started, now the thread's; None if there is none."""
        with self._lock:
            for name, future in reversed(self._futures.items()):
                # cancel() is True again for a future already cancelled, i.e. already taken
                if not future.cancelled() and future.cancel():
                    return name
        return None

    def _help(self) -> None:
        while True:
            name = self._take_newest()
            if name is None:
                if self._fetched.is_set():
                    return
                self._fetched.wait(0.2)
                continue
            try:
                digest_part(str(self.spool.root), name, self.key)
            except Exception as exc:  # the load parses this part instead
                _log.warning("no digest for %s (parsed at load): %s", name, exc)
