"""A nightly run's account of its PMIDs: what the searches promised, what efetch returned,
what is still owed, and what is given up. Nothing promised is dropped silently.

- ``promise``: the PMIDs tonight's searches found plus those owed by earlier nights; an id
  that is not a PMID is set aside to be quarantined, never sent.
- ``fetch_into_spool``: one batch into the spool; an answer over the response cap is asked
  for again in halves, down to one id, and an id that alone is over the cap is recorded so.
- ``collect``: every spooled answer parsed (or read from its digest, parsed and labelled
  while later batches were fetched); a promised PMID that was never even requested fails
  the run instead of completing it short.
- ``settle``: what came back is resolved, what did not is owed again (attempts + 1) or, after
  ``max_nights`` runs, given up and quarantined with that reason; while anything is owed the
  watermark stays where the next window covers it again.
- ``account``: the two above, made into the run's one ``RunLoad``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from core.article import Article, Deletion, Quarantined
from core.settings import Settings
from pubmed.eutils import (
    EutilsClient,
    ResponseTooLarge,
    check_identity,
    check_reachable,
    is_ncbi,
)
from pubmed.parser import iter_records
from pubmed.replies import EutilsConfigError, is_pmid
from pubmed.spool import Spool, SpoolPart
from pubmed.window import Window, next_watermark
from warehouse.db import Warehouse
from warehouse.loads import PendingPmid, RawBatch, RunLoad

NOT_RETURNED = "requested from efetch on {n} runs and never returned (deleted or withdrawn?)"
TOO_LARGE = "oversized: its efetch answer alone is larger than the {cap:,}-byte response cap"


class IncompleteRun(RuntimeError):
    """Some promised PMIDs were never asked for: loading now would lose them."""


@dataclass(frozen=True)
class Promise:
    """What a run owes: each PMID with the topic queries that found it (or found it before)."""

    topics: Mapping[str, tuple[str, ...]]  # pmid -> topics, PMID order
    owed: Mapping[str, PendingPmid]  # from earlier runs
    invalid: tuple[str, ...] = ()  # ids ESearch answered that are not PMIDs

    @property
    def pmids(self) -> list[str]:
        return list(self.topics)


def promise(matches: Mapping[str, Iterable[str]], owed: Sequence[PendingPmid]) -> Promise:
    """Join tonight's search results with the PMIDs owed by earlier nights."""
    topics: dict[str, set[str]] = {p.pmid: set(p.topics) for p in owed}
    invalid: dict[str, None] = {}
    for topic, found in matches.items():
        for pmid in found:
            if is_pmid(pmid):
                topics.setdefault(pmid, set()).add(topic)
            else:
                invalid[pmid] = None
    ordered = {p: tuple(sorted(topics[p])) for p in sorted(topics, key=int)}
    return Promise(ordered, {p.pmid: p for p in owed}, tuple(invalid))


def fetch_into_spool(client: EutilsClient, spool: Spool, ids: Sequence[str]) -> int:
    """Fetch one batch into the spool, halving on an answer over the cap; return bytes kept.

    Ids a part already answers are skipped, so a retried batch asks only for the rest.
    """
    kept = 0
    todo = [missing] if (missing := spool.missing(ids)) else []
    while todo:
        part = todo.pop()
        scratch = spool.scratch()
        try:
            scan = client.efetch_to(part, scratch)
            kept += scratch.stat().st_size
            spool.add_part(part, scan.returned, scan.oversized, scratch)
        except ResponseTooLarge:
            if len(part) == 1:
                spool.add_too_large(part[0])
            else:
                half = len(part) // 2
                todo += [part[half:], part[:half]]
        finally:
            scratch.unlink(missing_ok=True)
    return kept


@dataclass
class Harvest:
    """What a run's spool holds once parsed."""

    articles: list[Article] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    batches: list[RawBatch] = field(default_factory=list)
    returned: set[str] = field(default_factory=set)  # came back, in whatever form
    requested: set[str] = field(default_factory=set)
    labelled: set[str] = field(default_factory=set)  # articles a digest brought labelled


def collect(
    spool: Spool, owed: Promise, *, response_cap: int, digest_key: str | None = None
) -> Harvest:
    """Parse every spooled answer; refuse to go on if a promised PMID was never requested.

    A part with a digest for ``digest_key`` (the labelling model's) is read from it instead:
    the same records, already labelled.
    """
    out = Harvest()
    seen: set[str] = set()
    for batch_no, part in enumerate(spool.parts()):
        out.requested.update(part.requested)
        out.returned.update(part.answered)
        for pmid in part.too_large:
            reason = TOO_LARGE.format(cap=response_cap)
            out.quarantined.append(Quarantined(reason=reason, pmid=pmid))
        if part.body is None:
            continue
        out.batches.append(_raw_batch(batch_no, part))
        digested = spool.digest(part, digest_key) if digest_key else None
        if digested is not None:
            for record in digested:
                if _take(record, out, seen, owed.topics) and isinstance(record, Article):
                    out.labelled.add(record.pmid)
            continue
        with spool.open_body(part) as stream:
            for record in iter_records(stream):
                _take(record, out, seen, owed.topics)
    for bad in owed.invalid:
        reason = f"ESearch answered an id that is not a PMID (digits only): {bad!r}"
        out.quarantined.append(Quarantined(reason=reason))
    unasked = [p for p in owed.pmids if p not in out.requested]
    if unasked:
        raise IncompleteRun(
            f"{len(unasked)} promised PMIDs were never requested (first: {unasked[0]}); "
            "the run stops short of loading rather than complete without them"
        )
    return out


def _take(
    record: Article | Deletion | Quarantined,
    out: Harvest,
    seen: set[str],
    promised: Mapping[str, object],
) -> bool:
    """Count one record in; True when it is an article the run will load."""
    if isinstance(record, Article):
        out.returned.add(record.pmid)
        # Loaded once, even if asked for twice (a rerun), and only if this run promised it
        # (an answer spooled before a crash may hold a PMID tonight's searches no longer find).
        if record.pmid not in seen and record.pmid in promised:
            seen.add(record.pmid)
            out.articles.append(record)
            return True
    elif isinstance(record, Deletion):
        out.returned.add(record.pmid)
        out.deletions.append(record.pmid)
    else:
        if record.pmid:
            out.returned.add(record.pmid)
        out.quarantined.append(record)
    return False


def _raw_batch(batch_no: int, part: SpoolPart) -> RawBatch:
    """The body as received, still gzip: it is stored so, never inflated in memory whole."""
    assert part.body is not None
    return RawBatch(
        batch_no=batch_no,
        pmids=part.requested,
        body=part.body.read_bytes(),
        fetched_at=part.fetched_at,
        sha256=part.sha256,
    )


@dataclass(frozen=True)
class Settlement:
    """The run's verdict on every promised PMID, ready for the load."""

    matches: dict[str, list[str]]  # topic -> PMIDs that came back
    pending: list[PendingPmid]  # still owed
    given_up: list[Quarantined]
    watermark: date | None  # where the watermark may move; None: not at all


def settle(
    harvest: Harvest,
    owed: Promise,
    *,
    run_id: str,
    window: Window,
    max_nights: int,
    overlap_days: int,
) -> Settlement:
    """Resolve what came back, owe again what did not, give up what never came in time."""
    matches: dict[str, list[str]] = {}
    pending: list[PendingPmid] = []
    given_up: list[Quarantined] = []
    for pmid, topics in owed.topics.items():
        if pmid in harvest.returned:
            for topic in topics:
                matches.setdefault(topic, []).append(pmid)
            continue
        before = owed.owed.get(pmid)
        attempts = (before.attempts if before else 0) + 1
        if attempts >= max_nights:
            given_up.append(Quarantined(reason=NOT_RETURNED.format(n=attempts), pmid=pmid))
            continue
        start = before.window_start if before else window.start
        first_run = before.first_run if before else run_id
        first_at: datetime | None = before.first_missing_at if before else None
        pending.append(PendingPmid(pmid, topics, attempts, start, first_run, first_at))
    held = min((p.window_start for p in pending), default=None)
    return Settlement(matches, pending, given_up, next_watermark(window, held, overlap_days))


def account(
    spool: Spool,
    owed: Promise,
    *,
    run_id: str,
    window: Window,
    settings: Settings,
    label: Callable[[list[Article]], list[Article]],
    requests: int,
    digest_key: str | None = None,
) -> RunLoad:
    """Everything the run loads: its records labelled, its notices, failures and raw answers,
    what it still owes and where the watermark may go. Digests for ``digest_key`` bring
    their articles labelled; ``label`` labels the rest."""
    harvest = collect(spool, owed, response_cap=settings.max_response_bytes, digest_key=digest_key)
    verdict = settle(
        harvest,
        owed,
        run_id=run_id,
        window=window,
        max_nights=settings.pending_nights,
        overlap_days=settings.overlap_days,
    )
    load = RunLoad(
        articles=_labelled(harvest, label),
        deletions=harvest.deletions,
        quarantined=[*harvest.quarantined, *verdict.given_up],
        batches=harvest.batches,
        matches=verdict.matches,
        window_end=verdict.watermark or window.end,
        stats={"requests": requests, "searched": len(owed.pmids), "fetched": len(harvest.articles)},
        pending=verdict.pending,
    )
    # feed None: owed since a backfill, the watermark stays unset and the next run backfills
    return load if verdict.watermark else dataclasses.replace(load, feed=None)


def _labelled(harvest: Harvest, label: Callable[[list[Article]], list[Article]]) -> list[Article]:
    """Every article labelled, in the harvest's order; only those no digest labelled are sent."""
    todo = [a for a in harvest.articles if a.pmid not in harvest.labelled]
    fresh = iter(label(todo))
    return [a if a.pmid in harvest.labelled else next(fresh) for a in harvest.articles]


def check_target(base_url: str, email: str, tool: str, demo_note: str | None) -> None:
    """Refuse before any request: NCBI without a real e-mail, or NCBI into demo data."""
    check_identity(base_url, email, tool)
    if demo_note is not None and is_ncbi(base_url):
        raise EutilsConfigError(
            f"this warehouse holds demo data ({demo_note}); a real ingest from NCBI would mix "
            "into it: pass --db PATH (or EVIDENCE_DB) for the real warehouse, or delete the "
            "demo file"
        )


def preflight(settings: Settings) -> None:
    """Before Prefect or anything else starts: refuse what NCBI or the warehouse must not get,
    and say at once when the server cannot be reached (a connection is opened, nothing sent)."""
    demo = None
    if settings.db_path.exists():
        with Warehouse.open(settings.db_path) as wh:
            demo = wh.demo_note()
    check_target(settings.eutils_base_url, settings.email, settings.tool, demo)
    check_reachable(settings.eutils_base_url, attempts=settings.connect_retries + 1)
