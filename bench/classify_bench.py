"""Classification throughput on a real PubMed update file; parsing is done first and not timed.

    .venv/bin/python bench/classify_bench.py [--xml FILE] [--models FILE] [--jobs 2]

Prints abstracts per second for ``Models.predict`` and, measured in the same process on the same
texts, for a bare TF-IDF transform (word 1-2 grams, the cheapest step any text classifier needs),
and the ratio of the two. The ratio is what to compare across machines and loads. The CPU
seconds the classification used (this process and its workers) are printed too: on a shared
machine they move far less with other people's load than the wall clock does.

Then the ``classify`` command is timed as a whole process on the same file (parsing, labelling,
funding and writing, as a user waits for it), against the ``parse`` command on the same file
in the same run: the ratio says what labelling adds to reading the file.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

from core.article import Article
from labels.model import DEFAULT_MODEL_PATH, load_models
from pubmed.files import open_xml
from pubmed.parser import iter_records

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_XML = ROOT / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz"


def parse(path: Path) -> list[Article]:
    """All articles of a PubMed XML file (plain or gzip)."""
    with open_xml(path) as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]  # type: ignore[arg-type]


def baseline_seconds(texts: list[str]) -> float:
    """Time a bare word 1-2 gram TF-IDF transform of the texts (fitted beforehand, untimed)."""
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=30000, sublinear_tf=True)
    vec.fit(texts[:5000])
    start = time.perf_counter()
    vec.transform(texts)
    return time.perf_counter() - start


def cpu_seconds() -> float:
    """User and system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xml", type=Path, default=DEFAULT_XML)
    parser.add_argument("--models", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (the goal: 2 cores)")
    args = parser.parse_args()

    articles = parse(args.xml)
    models = load_models(args.models)
    texts = [f"{a.title or ''}\n{a.abstract or ''}" for a in articles]
    models.predict(articles[:200], n_jobs=1)  # warm caches and imports, untimed

    base = baseline_seconds(texts)
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    labelled = models.predict(articles, n_jobs=args.jobs)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    assert len(labelled) == len(articles)

    n = len(articles)
    print(
        f"records: {n} ({sum(1 for a in articles if a.abstract)} with an abstract); "
        f"cores: {os.cpu_count()}; jobs: {args.jobs}; model: {models.version}"
    )
    print(f"baseline TF-IDF transform (1 process): {n / base:9.0f} abstracts/s  ({base:.2f} s)")
    print(
        f"classification ({args.jobs} processes):   {n / seconds:9.0f} abstracts/s  "
        f"({seconds:.2f} s)"
    )
    print(f"ratio classification / baseline: {base / seconds:.2f}")
    print(f"classification CPU time: {cpu:.2f} s, {n / cpu:.0f} abstracts per CPU-second")
    with tempfile.TemporaryDirectory() as tmp:
        parse_s = whole_command(["parse", str(args.xml)], Path(tmp) / "parsed.jsonl")
        out = Path(tmp) / "labels.jsonl"
        classify_s = whole_command(["classify", "--input", str(args.xml), "--output", str(out)])
    print(f"parse command, whole process:    {parse_s:6.2f} s")
    print(
        f"classify command, whole process: {classify_s:6.2f} s, "
        f"{n / classify_s:.0f} records/s end to end; {classify_s / parse_s:.2f}x the parse command"
    )
    return 0


def whole_command(args: list[str], stdout: Path | None = None) -> float:
    """Wall seconds of one ``ketamine-evidence`` command as its own process."""
    cli = str(Path(sys.executable).parent / "ketamine-evidence")
    with open(stdout or os.devnull, "wb") as sink:
        start = time.perf_counter()
        subprocess.run([cli, *args], stdout=sink, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
