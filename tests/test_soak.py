"""Soak: thirty nightly runs through faults, new records and revisions lose and duplicate nothing.

Real Prefect runs of the ingest flow, real HTTP to the E-utilities stand-in serving the bundled
ketamine records, a real DuckDB file. Every night some records appear and some are revised
(newer DateRevised, changed title); the stand-in fails requests at random all month, and on two
nights it fails every efetch, so those runs fail and the next night must pick up their records.
The stand-in cannot serve a DeleteCitation through efetch (it only returns records by id), so
deletions are left to tests/test_warehouse.py.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from standin_fixtures import API_KEY, ketamine_records, with_date_revised

from pipelines.fetch import ingest_flow
from pubmed.parser import parse_record
from pubmed.query import compile_query
from pubmed.standin.server import EutilsStandIn, FaultPolicy, StoredRecord
from pubmed.topics import load_topics
from warehouse.db import Warehouse

# Thirty Prefect flow runs: about 2 minutes on a quiet machine, up to 7 on a loaded one.
pytestmark = pytest.mark.slow

FIRST_NIGHT = date(2026, 10, 1)
NIGHTS = 30
FAILING_NIGHTS = {7, 19}  # every efetch fails: the run fails, the next one must catch up
FAULTS = ("429", "500", "502", "503", "reset", "truncate")


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A fresh warehouse, small batches, and retries that cost milliseconds."""
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "evidence.duckdb"))
    monkeypatch.setenv("EVIDENCE_BACKOFF_BASE", "0.005")
    monkeypatch.setenv("EVIDENCE_TASK_RETRY_DELAY", "0")
    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "8")
    monkeypatch.setenv("EVIDENCE_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("NCBI_API_KEY", API_KEY)  # 10 requests/s keeps a night near a second
    return tmp_path / "evidence.duckdb"


def topic_records() -> list[StoredRecord]:
    """The bundled records some topic query finds, oldest PMID first."""
    queries = [compile_query(term) for term in load_topics().queries.values()]
    found = [r for r in ketamine_records() if any(q.matches(r.document) for q in queries)]
    return sorted(found, key=lambda r: int(r.pmid))


def revise(raw: bytes, night: date) -> bytes:
    """A revision as PubMed sends one: a newer DateRevised and a corrected title."""
    raw = re.sub(
        rb"</ArticleTitle>", f" [revised {night:%m-%d}]</ArticleTitle>".encode(), raw, count=1
    )
    return with_date_revised(raw, night)


def test_thirty_nights_with_faults_lose_nothing_and_duplicate_nothing(
    prefect_harness, env, monkeypatch
):
    rng = random.Random(20261001)
    records = topic_records()
    assert len(records) >= 40, "the soak needs enough real records to spread over the month"
    # The backfill finds records by entry date; the stand-in cannot date the bundled records
    # that carry no date at all, so those only appear later, as new records dated that night.
    first = [r for r in records if r.dates["edat"]][:12]
    later = [r for r in records if r not in first]
    served: dict[str, bytes] = {r.pmid: r.raw for r in first}  # the latest version of each
    standin = EutilsStandIn(records=first, retry_after=0.02).start()
    monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
    failed_nights = []
    try:
        for n in range(NIGHTS):
            night = FIRST_NIGHT + timedelta(days=n)
            if n:  # the day's news: one or two new records, one or two revisions
                for record in [later.pop(0) for _ in range(min(rng.randint(1, 2), len(later)))]:
                    served[record.pmid] = with_date_revised(record.raw, night)
                    standin.add_xml(_article_set(served[record.pmid]))
                for pmid in rng.sample(sorted(served), rng.randint(1, 2)):
                    served[pmid] = revise(served[pmid], night)
                    standin.replace(pmid, served[pmid])
            if n in FAILING_NIGHTS:
                standin.fail_randomly(FaultPolicy(kinds=("500",), endpoint="efetch", every=1))
                with pytest.raises(Exception, match=r"500|retr"):
                    ingest_flow(until=night)
                failed_nights.append(night)
            else:
                standin.fail_randomly(FaultPolicy(kinds=FAULTS, probability=0.15, seed=n))
                ingest_flow(until=night)
        faulted = [r for r in standin.requests if r.fault]
    finally:
        standin.stop()

    assert len(faulted) >= NIGHTS, "the month saw plenty of faults"
    with Warehouse.open(env, read_only=True) as wh:
        articles = wh.articles()
        runs = wh.runs()
        watermark = wh.watermark()
    pmids = [a.pmid for a in articles]
    assert len(pmids) == len(set(pmids)), "one row per PMID"
    assert set(pmids) == set(served), "every record served is in the warehouse"
    latest = {pmid: _title_and_revised(raw) for pmid, raw in served.items()}
    assert {a.pmid: (a.title, a.revised_date) for a in articles} == latest, "latest wins"
    assert [r["status"] for r in runs] == [
        "failed" if n in FAILING_NIGHTS else "completed" for n in range(NIGHTS)
    ]
    assert all("500" in (r["error"] or "") for r in runs if r["status"] == "failed")
    assert [r["window_end"] for r in runs if r["status"] == "failed"] == failed_nights
    assert watermark == FIRST_NIGHT + timedelta(days=NIGHTS - 1)


def _article_set(raw: bytes) -> bytes:
    return b"<PubmedArticleSet>\n" + raw + b"\n</PubmedArticleSet>\n"


def _title_and_revised(raw: bytes) -> tuple[str | None, date | None]:
    """What the warehouse must hold for a record: its served title and DateRevised."""
    article = parse_record(raw)
    return article.title, article.revised_date  # type: ignore[union-attr]
