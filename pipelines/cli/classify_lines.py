"""``classify``'s lines on two processes: each worker parses, labels and renders whole batches.

The main process only cuts records out of the stream (``split_chunks``: a tenth of the work)
and writes the lines in input order; two workers forked after the models are loaded do the
rest, so parsing, labelling and rendering run side by side instead of one after the other.
Only a few batches are in flight, so memory stays flat. A record's line does not depend on
the batch it came in: the output is what labelling the records one by one would write.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain
from typing import Any

from core.article import LABEL_FIELDS, Article, Quarantined
from labels.funding import read_funding
from labels.shipped import classify_articles, shipped_models
from pipelines.cli.io import _LINE_BREAKERS
from pubmed.parser import OversizedRecord, parse_chunk

BATCH_RECORDS = 400  # ~0.3 s of work: small enough to keep both workers busy to the end
IN_FLIGHT = 4  # batches handed out and not yet written: two per worker

# What a reviewer weighs beyond the label, carried on each line as parse read it.
ENRICHMENT_FIELDS = ("registry_ids", "coi_statement", "grants", "comments_corrections")
FIELDS = (
    "pmid",
    *LABEL_FIELDS,
    "key_finding",
    "confidence",
    "needs_review",
    "model_version",
    *ENRICHMENT_FIELDS,
)

Chunk = bytes | OversizedRecord
Note = tuple[str | None, str]  # a quarantined record: its PMID, if known, and the reason
Batch = tuple[str, list[Note]]


def classify_line(article: Article) -> str:
    """One labelled record's line: the label fields, the enrichment, funding by rule."""
    line = article.to_json(FIELDS)
    reading = read_funding(article)
    line["funding"], line["industry_authors"] = reading.funding, reading.industry_authors
    return json.dumps(line, ensure_ascii=False, default=str).translate(_LINE_BREAKERS) + "\n"


def label_articles(articles: Sequence[Article]) -> Batch:
    """A batch of parsed records labelled and rendered (in a worker, or here)."""
    return "".join(classify_line(a) for a in classify_articles(articles)), []


def label_chunks(chunks: Sequence[Chunk]) -> Batch:
    """A batch of cut-out XML records parsed, labelled and rendered; quarantines noted."""
    articles: list[Article] = []
    notes: list[Note] = []
    for chunk in chunks:
        for record in parse_chunk(chunk):
            if isinstance(record, Article):
                articles.append(record)
            elif isinstance(record, Quarantined):
                notes.append((record.pmid, record.reason))
    text, _ = label_articles(articles)
    return text, notes


def batched(items: Iterable[Any], size: int = BATCH_RECORDS) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def labelled_batches(
    first: list[list[Any]], rest: Iterator[list[Any]], xml: bool
) -> Iterator[Batch]:
    """Every batch's lines in input order: ``first`` (already read) then ``rest``.

    Workers start only when there is more than one batch; errors in ``rest`` (a stream
    damaged further on) are raised here after every batch before them has been yielded.
    """
    work = label_chunks if xml else label_articles
    jobs = min(2, len(os.sched_getaffinity(0)))
    if len(first) <= 1 or jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(work, chain(first, rest))
        return
    shipped_models().terms  # load and compile once, so the forked workers share it  # noqa: B018
    gc.freeze()  # the workers' collector then leaves the inherited pages (and models) alone
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield from _in_order(pool, work, chain(first, rest))
    finally:
        gc.unfreeze()


def _in_order(
    pool: ProcessPoolExecutor, work: Any, batches: Iterator[list[Any]]
) -> Iterator[Batch]:
    """The workers' results in input order, a few batches ahead. A worker that dies (killed,
    out of memory) costs speed, never records: its batches and the rest are done here."""
    pending: deque[tuple[Future[Batch] | None, list[Any]]] = deque()
    error: Exception | None = None
    broken = False

    def submitted(batch: list[Any]) -> Future[Batch] | None:
        nonlocal broken
        if not broken:
            try:
                return pool.submit(work, batch)
            except BrokenProcessPool:
                broken = True
        return None

    def done(future: Future[Batch] | None, batch: list[Any]) -> Batch:
        nonlocal broken
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                broken = True
        return work(batch)

    try:
        for batch in batches:
            pending.append((submitted(batch), batch))
            while len(pending) >= IN_FLIGHT:
                yield done(*pending.popleft())
    except Exception as exc:  # damage further on: what came before it is written first
        error = exc
    while pending:
        yield done(*pending.popleft())
    if error is not None:
        raise error
