"""Backfill benchmark: the ingestion flow against the local stand-in, at NCBI's keyed rate.

Serves the real NLM baseline file (29,995 records), runs one backfill whose topic matches most
of it, and prints records, requests and seconds, with the ratio of the wall time to the
rate-limit floor (requests needed / 10 per second) measured in the same run. ``--compare``
runs the same backfill again with the records parsed and labelled after the last fetch.

The stand-in serves from a process of its own, as NCBI is another machine: in the flow's
process its rendering of 29,145 records would take the flow's interpreter lock from the
fetch. ``--same-process`` serves it from the benchmark's process as earlier rounds did.

    .venv/bin/python bench/ingest_bench.py [--batch 200] [--term "..."] [--compare]
        [--same-process]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BASELINE = REPO / "data" / "pubmed" / "pubmed20n0014-sample.xml.gz"
KEY = "bench-key"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--term", default="humans[mh] OR animals[mh] OR eng[la]")
    parser.add_argument("--log-level", default="WARNING", help="Prefect's, e.g. INFO")
    parser.add_argument(
        "--compare", action="store_true", help="also backfill without the digest workers"
    )
    parser.add_argument(
        "--same-process", action="store_true", help="serve the stand-in from this process"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    os.environ.update(
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL=args.log_level,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
        EVIDENCE_DB=str(work / "bench.duckdb"),
        EVIDENCE_TOPICS=str(work / "topics.yaml"),
        EVIDENCE_EFETCH_BATCH=str(args.batch),
        NCBI_API_KEY=KEY,
    )
    (work / "topics.yaml").write_text(
        f"ketamine: '({args.term})'\ntopics:\n  all: '(humans[mh] OR animals[mh] OR eng[la])'\n",
        encoding="utf-8",
    )
    from prefect.testing.utilities import prefect_test_harness

    from pipelines.fetch import ingest_flow

    serve = served_here if args.same_process else served_apart
    with prefect_test_harness(server_startup_timeout=180), serve() as standin:
        os.environ["EUTILS_BASE_URL"] = standin.base_url
        modes = {
            "digest": ("parsed and labelled while fetching (a thread of the flow process)", "")
        }
        if args.compare:
            modes["at-load"] = ("parsed at load, as before (EVIDENCE_DIGEST_WORKERS=off)", "off")
        for name, (mode, workers) in modes.items():
            os.environ["EVIDENCE_DIGEST_WORKERS"] = workers
            standin.clear_log()
            started, cpu = time.perf_counter(), cpu_seconds()
            summary = ingest_flow(until=date(1990, 12, 31), db_path=str(work / f"{name}.duckdb"))
            report(mode, time.perf_counter() - started, summary, standin, args.batch)
            used = cpu_seconds() - cpu
            print(
                f"CPU:              {used:.1f} s (this process and the workers"
                f"{', with the stand-in' if args.same_process else ''})"
            )
    return 0


@contextlib.contextmanager
def served_here() -> Iterator[Any]:
    from pubmed.standin.server import EutilsStandIn, load_records

    t0 = time.perf_counter()
    records = load_records([BASELINE])
    print(f"stand-in records parsed: {len(records)} in {time.perf_counter() - t0:.1f} s")
    with EutilsStandIn(records=records, api_keys={KEY}) as standin:
        yield standin


@contextlib.contextmanager
def served_apart() -> Iterator[Any]:
    """The stand-in in a child process (spawned: it shares nothing with the flow's process),
    asked for its request log over a pipe."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_serve, args=(theirs,), daemon=True)
    child.start()
    base_url, count, seconds = ours.recv()
    print(f"stand-in records parsed: {count} in {seconds:.1f} s (its own process)")
    try:
        yield _RemoteLog(ours, base_url)
    finally:
        ours.send(("stop",))
        child.join(30)


class _RemoteLog:
    """What ``report`` reads of a stand-in, from the child that serves it."""

    def __init__(self, pipe: Any, base_url: str) -> None:
        self.pipe, self.base_url = pipe, base_url

    def _ask(self, *what: Any) -> Any:
        self.pipe.send(what)
        return self.pipe.recv()

    def clear_log(self) -> None:
        self._ask("clear")

    @property
    def requests(self) -> list[Any]:
        return [SimpleNamespace(endpoint=e) for e in self._ask("endpoints")]

    def max_requests_in_window(self, window: float) -> int:
        return int(self._ask("window", window))


def _serve(pipe: Any) -> None:
    sys.path.insert(0, str(REPO))
    from pubmed.standin.server import EutilsStandIn, load_records

    t0 = time.perf_counter()
    records = load_records([BASELINE])
    with EutilsStandIn(records=records, api_keys={KEY}) as standin:
        pipe.send((standin.base_url, len(records), time.perf_counter() - t0))
        while True:
            what = pipe.recv()
            if what[0] == "stop":
                return
            if what[0] == "clear":
                standin.clear_log()
                pipe.send(None)
            elif what[0] == "endpoints":
                pipe.send([r.endpoint for r in standin.requests])
            elif what[0] == "window":
                pipe.send(standin.max_requests_in_window(what[1]))


def cpu_seconds() -> float:
    """User and system CPU of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def report(mode: str, wall: float, summary: dict, standin: object, batch: int) -> None:
    """The run's records, requests and wall time against the rate-limit floor."""
    log = list(standin.requests)  # type: ignore[attr-defined]
    floor = len(log) / 10
    efetches = sum(1 for r in log if r.endpoint == "efetch")
    print(f"-- {mode}")
    print(f"records loaded:   {summary['inserted']} ({summary['digested']} batches digested)")
    searches = len(log) - efetches
    print(f"requests:         {len(log)} ({efetches} efetch of {batch}, {searches} esearch)")
    print(f"wall time:        {wall:.1f} s  ({summary['inserted'] / wall:.0f} records/s)")
    print(f"rate-limit floor: {floor:.1f} s  (requests / 10 per second)")
    print(f"ratio wall/floor: {wall / floor:.2f}x  (goal <= 1.5x)")
    window = standin.max_requests_in_window(1.0)  # type: ignore[attr-defined]
    print(f"max requests in any 1 s window: {window}")


if __name__ == "__main__":
    raise SystemExit(main())
