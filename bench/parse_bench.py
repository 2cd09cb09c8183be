"""Benchmark the ``parse`` command against a bare lxml iterparse scan and Bio.Entrez.read, each
timed as a whole process, as an outside check with ``time`` would.

Every contender is a fresh process started from a fresh timing wrapper (so that the peak RSS
reported is that command's own): ``ketamine-evidence parse FILE > out.jsonl``, a script that
scans the file with lxml's ``iterparse`` and drops each record, and a script that reads it with
``Bio.Entrez.read``. They run in rounds, one of each per round, so that the load of a shared
machine falls on all of them alike; each ratio is taken within a round and the range over the
rounds is printed. Wall clock is the goal's measure; CPU seconds (the command's and its
helper's) are shown beside it. Then peak RSS while the command parses about 1 GB and 2 GB of
XML piped to its standard input (the file's records repeated inside one root, made on the fly,
never written to disk): it must stay flat as the input doubles.

    .venv/bin/python bench/parse_bench.py [FILE] [--skip-entrez] [--rounds N] [--memory-gb G]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz"
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
OURS, BARE, ENTREZ = "ketamine-evidence parse", "bare iterparse", "Bio.Entrez.read"


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


def run_entrez(path: Path) -> int:
    """Bio.Entrez.read validates against the DTD named in the DOCTYPE (bundled in Biopython)."""
    from Bio import Entrez

    with open_xml(path) as stream:
        result = Entrez.read(stream)
    return sum(len(result.get(tag, ())) for tag in RECORD_TAGS)


def command(name: str, path: Path) -> list[str]:
    """The whole process each contender is: our console script, or a script of this file."""
    if name == OURS:
        script = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))
        return [script or "ketamine-evidence", "parse", str(path)]
    return [sys.executable, __file__, "--script", name, str(path)]


def timed(cmd: list[str], out: Path) -> None:
    """Run one command (in this fresh process) and print its wall, CPU and peak RSS as JSON."""
    wall = time.perf_counter()
    with out.open("wb") as sink:
        done = subprocess.run(cmd, stdout=sink, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - wall
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its helper
    error = done.stderr.decode(errors="replace").strip()[-300:] if done.returncode else None
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "lines": out.read_bytes().count(b"\n"),
                "error": error,
            }
        )
    )


def measure(name: str, path: Path, out: Path) -> dict:
    wrapper = [sys.executable, __file__, "--timed", str(out), "--", *command(name, path)]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def rounds(path: Path, names: list[str], count: int) -> dict[str, list[dict]]:
    """``count`` rounds of one run of each contender; Entrez (~30-40 s) in the first only."""
    runs: dict[str, list[dict]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            for name in names:
                if name == ENTREZ and n > 0:
                    continue
                r = measure(name, path, Path(tmp) / "out")
                runs[name].append(r)
                state = f"FAILED: {r['error']}" if r["error"] else f"wall {r['wall']:.2f} s"
                print(f"  round {n + 1}: {name}: {state}", flush=True)
    return runs


def report(runs: dict[str, list[dict]]) -> None:
    header = f"{'contender':24} {'runs':>4} {'wall s (min-max)':>18} {'cpu s':>12}"
    header += f" {'peak RSS MB':>12}"
    print(header)
    print("-" * len(header))
    for name, results in runs.items():
        good = [r for r in results if not r["error"]]
        if not good:
            print(f"{name:24} FAILED: {results[0]['error']}")
            continue
        walls, cpus = [r["wall"] for r in good], [r["cpu"] for r in good]
        print(
            f"{name:24} {len(good):>4} {min(walls):>8.2f}-{max(walls):<9.2f}"
            f" {statistics.median(cpus):>12.2f} {max(r['peak_rss_mb'] for r in good):>12.0f}"
        )
    ours = runs[OURS]
    for other, goal in ((ENTREZ, ">= 5x"), (BARE, ">= 0.5x")):
        pairs = [(o, b) for o, b in zip(ours, runs.get(other, ()), strict=False)]
        pairs = [(o, b) for o, b in pairs if not o["error"] and not b["error"]]
        if not pairs:
            continue
        wall = [b["wall"] / o["wall"] for o, b in pairs]
        cpu = [b["cpu"] / o["cpu"] for o, b in pairs]
        print(
            f"speed of parse against {other}, whole processes, same round: wall "
            f"{min(wall):.2f}-{max(wall):.2f}x (median {statistics.median(wall):.2f}x), "
            f"cpu {min(cpu):.2f}-{max(cpu):.2f}x (goal {goal})"
        )


class RepeatedXML:
    """One PubmedArticleSet holding the file's records ``times`` over, in pieces."""

    def __init__(self, path: Path, times: int) -> None:
        self.path, self.times = path, times

    def __iter__(self) -> Iterator[bytes]:
        end = b"</PubmedArticleSet>"
        for n in range(self.times):
            with open_xml(self.path) as stream:
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


def piped(path: Path, times: int) -> None:
    """Pipe the repeated XML into the command (in this fresh process); print its usage."""
    cmd = command(OURS, Path("/dev/stdin"))
    wall, size = time.perf_counter(), 0
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert proc.stdin is not None
    for piece in RepeatedXML(path, times):
        proc.stdin.write(piece)
        size += len(piece)
    proc.stdin.close()
    code = proc.wait()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "bytes": size,
                "wall": time.perf_counter() - wall,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "error": f"exit {code}" if code else None,
            }
        )
    )


def xml_size(path: Path) -> int:
    """Uncompressed size of the file, in bytes."""
    with open_xml(path) as stream:
        return sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 22), b""))


def report_memory(path: Path, gigabytes: float) -> None:
    """Peak RSS of the command over about ``gigabytes`` and twice that, and their ratio."""
    times = max(1, round(gigabytes * 1e9 / xml_size(path)))
    runs = {}
    for n in (times, 2 * times):
        wrapper = [sys.executable, __file__, "--piped", str(n), str(path)]
        done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
        runs[n] = r = json.loads(done.stdout.strip().splitlines()[-1])
        if r["error"]:
            print(f"memory over {n} copies: FAILED: {r['error']}")
            return
        print(
            f"parse of {r['bytes'] / 1e9:.2f} GB of XML on stdin ({r['wall']:.0f} s): "
            f"peak RSS {r['peak_rss_mb']:.0f} MB (goal <= 300)"
        )
    small, large = (runs[n]["peak_rss_mb"] for n in (times, 2 * times))
    print(f"peak RSS at 2x input / at 1x input: {large / small:.2f}x (goal: flat, ~1.0)")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--timed"]:  # internal: python parse_bench.py --timed OUT -- CMD...
        timed(argv[3:], Path(argv[1]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--skip-entrez", action="store_true", help="skip Bio.Entrez.read (slow)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the contenders")
    parser.add_argument(
        "--memory-gb", type=float, default=1.0, help="XML for the RSS check (0 skips it)"
    )
    parser.add_argument("--script", help=argparse.SUPPRESS)
    parser.add_argument("--piped", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.script:
        count = (run_bare if args.script == BARE else run_entrez)(args.file)
        print(f"{count} records", file=sys.stderr)
        return
    if args.piped:
        piped(args.file, args.piped)
        return
    names = [n for n in (OURS, BARE, ENTREZ) if not (args.skip_entrez and n == ENTREZ)]
    print(f"file: {args.file} ({args.file.stat().st_size / 1e6:.1f} MB on disk)")
    report(rounds(args.file, names, max(1, args.rounds)))
    if args.memory_gb > 0:
        report_memory(args.file, args.memory_gb)


if __name__ == "__main__":
    main()
