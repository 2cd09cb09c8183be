"""``parse``'s JSON lines, quickly: records rendered a batch at a time, on two processes.

A line is ``Article.to_json()`` without the label fields, written as ``json.dumps`` writes it,
with the Unicode line separators escaped (``io.write_jsonl``): the bytes do not depend on
which process rendered a record. The records are built from the slots directly and each batch
is escaped in one pass, which makes rendering a sixth of what ``to_json`` and a per-line
``str.translate`` cost.

Past the first batch of a file, a helper process (this module, started with the same Python)
parses every batch this one does not: the main process cuts the records out of the stream and
writes the lines in input order, parsing a batch itself whenever the helper has two in hand.
Only bounded batches are in flight, so memory stays flat. A helper that cannot start or stops
costs speed, never records: its batches are kept until their lines come back, and parsed here
if they do not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, BinaryIO

from core.article import LABEL_FIELDS, Article, Deletion
from pipelines.cli.io import _LINE_BREAKERS
from pubmed.parser import OversizedRecord, parse_chunk, split_chunks

HIDDEN = frozenset({*LABEL_FIELDS, "key_finding", "confidence", "model_version", "needs_review"})
SHOWN = tuple(f.name for f in dataclasses.fields(Article) if f.name not in HIDDEN)
BATCH_RECORDS = 128  # ~1.4 MB of XML, ~40 ms of work; or fewer records, up to BATCH_BYTES:
BATCH_BYTES = 384 << 10  # two batches in flight fit the helper's 1 MB pipe (PIPE_BYTES)
PIPE_BYTES = 1 << 20  # Linux's default cap for a pipe; writes into it need no reader awake
HELPER_DEPTH = 2  # batches the helper holds: one in work, one waiting
MAX_PENDING = 8  # batches between the stream and the output, at most

Chunk = bytes | OversizedRecord
Note = tuple[str | None, str]  # a quarantined record: its PMID, if known, and the reason
Rendered = tuple[str, list[Note]]

_values = attrgetter(*SHOWN)
_AT = {name: i for i, name in enumerate(SHOWN)}
_DATES = tuple(_AT[name] for name in ("entry_date", "created_date", "revised_date"))
_SECTIONS, _GRANTS, _LINKS = (
    _AT[n] for n in ("abstract_sections", "grants", "comments_corrections")
)
# json.dumps(record, ensure_ascii=False, default=str), without building an encoder per line
_encode = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False).encode


def article_line(article: Article) -> str:
    """The JSON of one article as ``parse`` writes it (tuples encode as JSON lists)."""
    values = list(_values(article))
    for i in _DATES:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    if article.abstract_sections:
        values[_SECTIONS] = [
            {"label": s.label, "category": s.category, "text": s.text}
            for s in article.abstract_sections
        ]
    if article.grants:
        values[_GRANTS] = [
            {"id": g.id, "agency": g.agency, "country": g.country} for g in article.grants
        ]
    if article.comments_corrections:
        values[_LINKS] = [{"type": c.type, "pmid": c.pmid} for c in article.comments_corrections]
    return _encode(dict(zip(SHOWN, values, strict=True)))


def render(chunks: Iterable[Chunk]) -> Rendered:
    """The lines of a batch of records (one string) and the records quarantined in it."""
    lines: list[str] = []
    notes: list[Note] = []
    for chunk in chunks:
        for record in parse_chunk(chunk):
            if isinstance(record, Article):
                lines.append(article_line(record))
            elif isinstance(record, Deletion):
                lines.append(_encode(record.to_json()))
            else:
                notes.append((record.pmid, record.reason))
    text = "\n".join(lines) + "\n" if lines else ""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:  # rare: no pass over the rest
        text = text.translate(_LINE_BREAKERS)
    return text, notes


def rendered_batches(stream: BinaryIO, helper: Helper | None = None) -> Iterator[Rendered]:
    """A stream's records rendered a batch at a time, in input order.

    A stream that turns out damaged (truncated, not PubMed) raises after every record cut
    before the damage has been yielded, as ``iter_records`` does.
    """
    pending: deque[tuple[Rendered | None, list[Chunk]]] = deque()
    batch: list[Chunk] = []
    error: Exception | None = None
    full = size = 0
    try:
        for chunk in split_chunks(stream):
            batch.append(chunk)
            size += len(chunk) if isinstance(chunk, bytes) else len(chunk.head)
            if len(batch) >= BATCH_RECORDS or size >= BATCH_BYTES:
                pending.append(_assign(batch, helper if full else None))  # small files: 1 process
                batch, size, full = [], 0, full + 1
                while pending and (pending[0][0] is not None or (helper and helper.ready())):
                    yield _take(pending.popleft(), helper)
                while len(pending) > MAX_PENDING:
                    yield _take(pending.popleft(), helper)
    except Exception as exc:  # the damage is reported after what came before it
        error = exc
    if batch:
        pending.append((render(batch), batch))
    while pending:
        yield _take(pending.popleft(), helper)
    if error is not None:
        raise error


def _assign(batch: list[Chunk], helper: Helper | None) -> tuple[Rendered | None, list[Chunk]]:
    """Hand the batch to the helper if it has room, else render it here."""
    if helper is not None and helper.outstanding < HELPER_DEPTH and helper.submit(batch):
        return None, batch
    return render(batch), batch


def _take(slot: tuple[Rendered | None, list[Chunk]], helper: Helper | None) -> Rendered:
    done, batch = slot
    if done is None and helper is not None:
        done = helper.take()
    return done if done is not None else render(batch)  # a helper that stopped: done here


class Helper:
    """A second process that renders batches in the order it gets them; started on first use.

    Batches go to its stdin and come back on its stdout, each a length-prefixed pickle (both
    ends are this module). A thread here collects the results, so neither side blocks the other.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.results: queue.SimpleQueue[Rendered | None] = queue.SimpleQueue()
        self.outstanding = 0
        self.failed = len(os.sched_getaffinity(0)) < 2  # one core: a helper only adds work

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)

    def submit(self, batch: list[Chunk]) -> bool:
        """Send a batch; False if the helper is not running (the caller renders it)."""
        if self.failed or (self.proc is None and not self._start()):
            return False
        assert self.proc is not None and self.proc.stdin is not None
        try:
            _send(self.proc.stdin, batch)
        except OSError:
            self.failed = True
            return False
        self.outstanding += 1
        return True

    def ready(self) -> bool:
        return self.outstanding > 0 and not self.results.empty()

    def take(self) -> Rendered | None:
        """The next batch's result, or None once the helper has stopped."""
        if self.outstanding == 0 or self.failed:
            return None
        result = self.results.get()
        self.outstanding -= 1
        if result is None:
            self.failed = True
        return result

    def _start(self) -> bool:
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from pipelines.cli.parse_lines import serve; serve()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path},
            )
        except OSError:
            self.failed = True
            return False
        for pipe in (self.proc.stdin, self.proc.stdout):
            _widen(pipe)
        threading.Thread(target=self._collect, daemon=True).start()
        return True

    def _collect(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while True:
                self.results.put(_receive(self.proc.stdout))
        except (EOFError, OSError, pickle.UnpicklingError):
            self.results.put(None)

    def close(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        if kill:
            self.proc.kill()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_HEADER = struct.Struct("!Q")


def _widen(pipe: IO[bytes] | None) -> None:
    """Make a pipe hold two batches: with 64 kB, each batch's write waits for the reader's
    thread to get the GIL once per 64 kB, and the two processes spend more time waiting than
    working."""
    if pipe is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):  # over /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _send(pipe: IO[bytes], value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(_HEADER.pack(len(payload)))
    pipe.write(payload)
    pipe.flush()


def _receive(pipe: IO[bytes]) -> Any:
    header = pipe.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    payload = pipe.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


def serve() -> None:
    """The helper: render each batch from stdin to stdout until stdin ends.

    A thread reads ahead so the main process never waits to hand over a batch.
    """
    inbox: queue.SimpleQueue[list[Chunk] | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                inbox.put(_receive(sys.stdin.buffer))
        except (EOFError, OSError, pickle.UnpicklingError):
            inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        while (batch := inbox.get()) is not None:
            _send(sys.stdout.buffer, render(batch))
    except (BrokenPipeError, KeyboardInterrupt):  # the main process stopped: so do we
        pass
    except Exception as exc:  # the main process renders what is left: say why, once
        print(
            f"parse helper stopped ({type(exc).__name__}: {exc}); carrying on in one process",
            file=sys.stderr,
        )
    finally:
        os._exit(0)  # no flush of a pipe nobody reads, no wait for the reader thread
