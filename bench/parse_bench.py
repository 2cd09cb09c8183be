"""Benchmark pipelines.pubmed_xml against a bare lxml iterparse scan and Bio.Entrez.read.

Each contender runs in its own subprocess so that its peak RSS is its own. Times are wall clock
and process CPU time; on a shared machine the CPU-time ratios are the steadier ones.

    .venv/bin/python bench/parse_bench.py [FILE] [--skip-entrez] [--repeat N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz"
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")


def open_xml(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # type: ignore[return-value]


def run_bare(path: Path) -> int:
    """The floor: lxml builds each record's tree and we drop it, as a streaming scan must."""
    from lxml import etree

    count = 0
    with open_xml(path) as stream:
        events = etree.iterparse(
            stream, events=("end",), tag=RECORD_TAGS, resolve_entities=False, no_network=True
        )
        for _, element in events:
            count += 1
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
    return count


def run_ours(path: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from pipelines.pubmed_xml import iter_records

    with open_xml(path) as stream:
        return sum(1 for _ in iter_records(stream))


def run_entrez(path: Path) -> int:
    """Bio.Entrez.read validates against the DTD named in the DOCTYPE (bundled in Biopython)."""
    from Bio import Entrez

    with open_xml(path) as stream:
        result = Entrez.read(stream)
    return sum(len(result.get(tag, ())) for tag in RECORD_TAGS)


RUNNERS: dict[str, Callable[[Path], int]] = {
    "bare iterparse": run_bare,
    "pubmed_xml.iter_records": run_ours,
    "Bio.Entrez.read": run_entrez,
}


def worker(name: str, path: Path) -> None:
    """Run one contender in this process and print its measurements as JSON."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        records, error = RUNNERS[name](path), None
    except Exception as exc:  # report why, e.g. a DTD Entrez cannot find offline
        records, error = 0, f"{type(exc).__name__}: {exc}"
    result = {
        "records": records,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "start_rss_mb": rss_before / 1024,
        "error": error,
    }
    print(json.dumps(result))


def measure(name: str, path: Path, repeat: int) -> dict:
    """Best of ``repeat`` fresh subprocesses (by CPU time)."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", name, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["cpu"])


def report(results: dict[str, dict]) -> None:
    header = f"{'contender':26} {'records':>8} {'wall s':>8} {'cpu s':>8} {'rec/s cpu':>10}"
    header += f" {'peak RSS MB':>12}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        if r["error"]:
            print(f"{name:26} FAILED: {r['error']}")
            continue
        rate = r["records"] / r["cpu"] if r["cpu"] else 0.0
        print(
            f"{name:26} {r['records']:>8} {r['wall']:>8.2f} {r['cpu']:>8.2f} {rate:>10.0f}"
            f" {r['peak_rss_mb']:>12.0f}"
        )
    ours = results["pubmed_xml.iter_records"]
    for other, goal in (("Bio.Entrez.read", "goal >= 5"), ("bare iterparse", "goal >= 0.5")):
        r = results.get(other)
        if r and not r["error"] and not ours["error"]:
            print(
                f"speed ours / {other}: cpu {r['cpu'] / ours['cpu']:.2f}x, "
                f"wall {r['wall'] / ours['wall']:.2f}x ({goal})"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--skip-entrez", action="store_true", help="skip Bio.Entrez.read (slow)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender, best kept")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.file)
        return
    names = [n for n in RUNNERS if not (args.skip_entrez and n == "Bio.Entrez.read")]
    print(f"file: {args.file} ({args.file.stat().st_size / 1e6:.1f} MB on disk)")
    results = {name: measure(name, args.file, args.repeat) for name in names}
    report(results)


if __name__ == "__main__":
    main()
