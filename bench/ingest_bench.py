"""Backfill benchmark: the ingestion flow against the local stand-in, at NCBI's keyed rate.

Serves the real NLM baseline file (29,995 records), runs one backfill whose topic matches most
of it, and prints records, requests and seconds, with the ratio of the wall time to the
rate-limit floor (requests needed / 10 per second) measured in the same run. ``--compare``
runs the same backfill again with the records parsed and labelled after the last fetch.

    .venv/bin/python bench/ingest_bench.py [--batch 200] [--term "..."] [--compare]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

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
    from pubmed.standin.server import EutilsStandIn, load_records

    t0 = time.perf_counter()
    records = load_records([BASELINE])
    print(f"stand-in records parsed: {len(records)} in {time.perf_counter() - t0:.1f} s")
    with (
        prefect_test_harness(server_startup_timeout=180),
        EutilsStandIn(records=records, api_keys={KEY}) as standin,
    ):
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
                f"CPU:              {used:.1f} s (this process with the stand-in, and the workers)"
            )
    return 0


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
