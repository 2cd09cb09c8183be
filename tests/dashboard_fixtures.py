"""A labelled warehouse built from the bundled real records, for the dashboard tests.

Until the classifier lands, a fresh demo warehouse holds null labels, so these fixtures attach
the real seed labels (``data/labels/seed-labels.jsonl``, model_version ``seed-labels``,
confidence 1.0) to the real records and load them through ``Warehouse.load_run`` like a night's
run, then publish the snapshot the dashboard reads. The records: the 101 of
``data/ketamine/ketamine-records.xml`` (full PubMed XML), the texts of the other seed records
from ``seed-records.jsonl``, and the real retraction and expression-of-concern records of
``tests/data/pubmed_xml`` (unlabelled, off-topic, for the study page's banners).

Imported explicitly (``from dashboard_fixtures import ...``); the bench imports it too.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from claims.refresh import refresh_claim_support
from core.article import LABEL_FIELDS, Article, Quarantined, article_from_json
from core.settings import CLAIMS_FILE
from labels.extract import extract_key_finding
from pubmed.parser import iter_records, parse_record, split_records
from warehouse.db import RunLoad, Warehouse, snapshot_path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
KETAMINE_XML = DATA / "ketamine" / "ketamine-records.xml"
SEED_RECORDS = DATA / "labels" / "seed-records.jsonl"
SEED_LABELS = DATA / "labels" / "seed-labels.jsonl"
NOTICES_XML = ROOT / "tests" / "data" / "pubmed_xml" / "pubmed21n1298-features.xml"
SEED_VERSION = "seed-labels"
RETRACTED_PMID = "27602157"  # in NOTICES_XML: retracted, with its notice 34093767
CONCERN_PMID = "32090497"  # in NOTICES_XML: under an expression of concern, 34096680
WINDOW_END = date(2021, 6, 30)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _xml_articles(path: Path) -> list[Article]:
    with path.open("rb") as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]


def _labelled(article: Article, labels: dict) -> Article:
    """The record with its seed labels, as a classifier with full confidence would give them."""
    values = {f: labels[f] for f in LABEL_FIELDS}
    for name in ("conditions", "outcomes", "routes"):
        values[name] = tuple(values[name])
    labelled = dataclasses.replace(
        article,
        **values,
        confidence=tuple((f, 1.0) for f in LABEL_FIELDS),
        model_version=SEED_VERSION,
    )
    return dataclasses.replace(labelled, key_finding=extract_key_finding(labelled))


@cache
def seed_articles() -> tuple[Article, ...]:
    """Every seed-labelled record (XML where bundled, else the JSONL text), labels attached."""
    labels = {str(d["pmid"]): d for d in _jsonl(SEED_LABELS)}
    by_pmid = {str(d["pmid"]): article_from_json(d) for d in _jsonl(SEED_RECORDS)}
    by_pmid.update({a.pmid: a for a in _xml_articles(KETAMINE_XML)})  # richer: authors, DOI
    return tuple(
        _labelled(a, labels[a.pmid]) if a.pmid in labels else a
        for a in sorted(by_pmid.values(), key=lambda a: int(a.pmid))
    )


def notice_articles() -> list[Article]:
    """The real retracted / expression-of-concern records and their notices (unlabelled);
    the file's other records that are seed records too stay labelled."""
    seeds = {a.pmid for a in seed_articles()}
    return [a for a in _xml_articles(NOTICES_XML) if a.pmid not in seeds]


def quarantined_record() -> Quarantined:
    """A real record cut short, as a failed efetch would deliver it: the parser's own verdict."""
    with KETAMINE_XML.open("rb") as stream:
        chunk = next(iter(split_records(stream)))
    record = parse_record(chunk[: len(chunk) // 2])
    assert isinstance(record, Quarantined), record
    return record


def topic_matches(articles: tuple[Article, ...]) -> dict[str, list[str]]:
    """Which topic query each record would have matched: its labelled conditions."""
    matches: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        for condition in article.conditions:
            matches[condition].append(article.pmid)
    return dict(matches)


def build_labelled_warehouse(path: Path) -> Path:
    """Load the labelled records as one completed run plus one failed run, refresh the claims'
    support as the nightly flow does, and publish a snapshot."""
    articles = seed_articles()
    with Warehouse.open(path) as wh:
        failed = wh.start_run(
            window_start=date(2021, 6, 1), window_end=WINDOW_END, flow_run_id=None
        )
        wh.fail_run(failed, "HTTPError: 429 Too Many Requests (efetch batch 3)")
        run_id = wh.start_run(
            window_start=date(1970, 1, 1), window_end=WINDOW_END, flow_run_id=None
        )
        load = RunLoad(
            articles=[*articles, *notice_articles()],
            quarantined=[quarantined_record()],
            matches=topic_matches(articles),
            window_end=WINDOW_END,
            stats={"requests": 12, "searched": len(articles), "fetched": len(articles)},
        )
        wh.load_run(run_id, load)
    # As the nightly flow does after its load: every registry claim's support, then publish.
    refresh_claim_support(path, CLAIMS_FILE, run_id)
    with Warehouse.open(path) as wh:
        wh.publish_snapshot()
    return path


@cache
def _built(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return build_labelled_warehouse(directory / "evidence.duckdb")


def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One labelled warehouse per session (live path, snapshot published); never write to it.

    Test modules wrap this in their own fixture; writers take a copy_warehouse() of it.
    """
    return _built(tmp_path_factory.getbasetemp() / "dashboard-warehouse")


def copy_warehouse(source: Path, directory: Path) -> Path:
    """A private copy of a warehouse and its snapshot, for a test that writes."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    shutil.copyfile(source, target)
    shutil.copyfile(snapshot_path(source), snapshot_path(target))
    return target


# --- a nightly-like writer in another process ------------------------------------------------

_NIGHTLY = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from dashboard_fixtures import WINDOW_END, seed_articles
from datetime import date
from warehouse.db import RunLoad, Warehouse
db, stop = sys.argv[1], Path(sys.argv[2])
articles = list(seed_articles())
with Warehouse.open(db) as wh:
    print("locked", flush=True)
    loads = 0
    while loads == 0 or not stop.exists():
        run_id = wh.start_run(window_start=date(2021, 6, 1), window_end=WINDOW_END,
                              flow_run_id=None)
        wh.load_run(run_id, RunLoad(articles=articles, window_end=WINDOW_END))
        loads += 1
        time.sleep(0.2)  # still holding the file, as a night's job between its steps
    wh.publish_snapshot()
print(f"done {{loads}}", flush=True)
"""


@contextmanager
def nightly_load(db: Path) -> Iterator[subprocess.Popen[str]]:
    """Real loads, one after another, in another process holding the live file.

    Yields once that process holds the lock; on leaving, lets it finish its current load,
    publish the snapshot and exit, and checks that it loaded at least once.
    """
    stop = db.with_name(f"{db.name}.stop-nightly")
    stop.unlink(missing_ok=True)
    script = _NIGHTLY.format(tests=str(Path(__file__).resolve().parent))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
        stop.touch()
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.startswith("done"), out
    finally:
        stop.unlink(missing_ok=True)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
