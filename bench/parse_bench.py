"""Benchmark pubmed.parser against a bare lxml iterparse scan and Bio.Entrez.read.

Each contender runs in its own subprocess so that its peak RSS is its own. Times are wall clock
and process CPU time; on a shared machine the CPU-time ratios are the steadier ones. Then peak
RSS while our parser streams about 1 GB and 2 GB of XML (the file's records repeated inside one
root, made on the fly, never written to disk): it must stay flat as the input doubles.

    .venv/bin/python bench/parse_bench.py [FILE] [--skip-entrez] [--repeat N] [--memory-gb G]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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
    from pubmed.parser import iter_records

    with open_xml(path) as stream:
        return sum(1 for _ in iter_records(stream))


def run_entrez(path: Path) -> int:
    """Bio.Entrez.read validates against the DTD named in the DOCTYPE (bundled in Biopython)."""
    from Bio import Entrez

    with open_xml(path) as stream:
        result = Entrez.read(stream)
    return sum(len(result.get(tag, ())) for tag in RECORD_TAGS)


class RepeatedXML(io.RawIOBase):
    """One PubmedArticleSet holding the file's records ``times`` over, read lazily."""

    def __init__(self, path: Path, times: int) -> None:
        self.parts: Iterator[bytes] = self._parts(path, times)
        self.pending = b""

    @staticmethod
    def _parts(path: Path, times: int) -> Iterator[bytes]:
        end = b"</PubmedArticleSet>"
        for n in range(times):
            with open_xml(path) as stream:
                data = stream.read(1 << 16)
                start = data.index(b"<PubmedArticleSet>") + len(b"<PubmedArticleSet>")
                if n == 0:
                    yield data[:start]
                data = data[start:]
                while chunk := stream.read(1 << 20):
                    data += chunk
                    yield data[:-64]  # hold back what may be the root's end tag
                    data = data[-64:]
                yield data[: data.rindex(end)]
        yield end + b"\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        while not self.pending:
            self.pending = next(self.parts, None)  # type: ignore[arg-type]
            if self.pending is None:
                self.pending = b""
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def run_ours_repeated(path: Path, times: int) -> int:
    sys.path.insert(0, str(ROOT))
    from pubmed.parser import iter_records

    return sum(1 for _ in iter_records(io.BufferedReader(RepeatedXML(path, times), 1 << 20)))


RUNNERS: dict[str, Callable[[Path], int]] = {
    "bare iterparse": run_bare,
    "pubmed_xml.iter_records": run_ours,
    "Bio.Entrez.read": run_entrez,
}


def worker(name: str, path: Path) -> None:
    """Run one contender in this process and print its measurements as JSON."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    run = RUNNERS.get(name) or (lambda p: run_ours_repeated(p, int(name.split(":")[1])))
    try:
        records, error = run(path), None
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


def xml_size(path: Path) -> int:
    """Uncompressed size of the file, in bytes."""
    with open_xml(path) as stream:
        return sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 22), b""))


def report_memory(path: Path, gigabytes: float) -> None:
    """Peak RSS of our parser over about ``gigabytes`` and twice that, and their ratio."""
    times = max(1, round(gigabytes * 1e9 / xml_size(path)))
    runs = {n: measure(f"memory:{n}", path, 1) for n in (times, 2 * times)}
    size = xml_size(path)
    for n, r in runs.items():
        if r["error"]:
            print(f"memory over {n * size / 1e9:.2f} GB: FAILED: {r['error']}")
            return
        print(
            f"memory over {n * size / 1e9:.2f} GB of XML ({r['records']} records, "
            f"cpu {r['cpu']:.0f} s): peak RSS {r['peak_rss_mb']:.0f} MB (goal <= 300)"
        )
    small, large = (runs[n]["peak_rss_mb"] for n in (times, 2 * times))
    print(f"peak RSS at 2x input / at 1x input: {large / small:.2f}x (goal: flat, ~1.0)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--skip-entrez", action="store_true", help="skip Bio.Entrez.read (slow)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender, best kept")
    parser.add_argument(
        "--memory-gb", type=float, default=1.0, help="XML for the RSS check (0 skips it)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.file)
        return
    names = [n for n in RUNNERS if not (args.skip_entrez and n == "Bio.Entrez.read")]
    print(f"file: {args.file} ({args.file.stat().st_size / 1e6:.1f} MB on disk)")
    results = {name: measure(name, args.file, args.repeat) for name in names}
    report(results)
    if args.memory_gb > 0:
        report_memory(args.file, args.memory_gb)


if __name__ == "__main__":
    main()
