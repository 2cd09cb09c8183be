"""One absurd record never stops a night: a 70 MB record in an efetch answer is quarantined with
its PMID and reason while the rest of its batch loads, and an answer over the response cap is
asked for again in halves until the one id that alone is too large is set aside."""

from __future__ import annotations

from datetime import date

import pytest
from standin_fixtures import ketamine_records

from pipelines.fetch import ingest_flow
from pubmed.query import compile_query
from pubmed.standin.server import EutilsStandIn, StoredRecord
from pubmed.topics import load_topics
from warehouse.db import Warehouse

NIGHT = date(2026, 11, 20)
pytestmark = pytest.mark.slow


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "evidence.duckdb"))
    monkeypatch.setenv("EVIDENCE_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("EVIDENCE_TASK_RETRY_DELAY", "0")
    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "10")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return tmp_path / "evidence.duckdb"


def found_records() -> list[StoredRecord]:
    """The bundled records some topic query finds by entry date (what a backfill loads)."""
    queries = [compile_query(term) for term in load_topics().queries.values()]
    return [
        r
        for r in ketamine_records()
        if r.dates["edat"] and any(q.matches(r.document) for q in queries)
    ]


def inflated(record: StoredRecord, size: int) -> StoredRecord:
    """The record with ``size`` bytes more abstract text: still well-formed PubMed XML."""
    at = record.raw.index(b"<ArticleTitle>") + len(b"<ArticleTitle>")
    filler = b"ketamine " * (size // 9)
    return StoredRecord(
        record.pmid, record.raw[:at] + filler + record.raw[at:], record.document, record.dates
    )


def run_night(monkeypatch, records, victim: StoredRecord):
    served = [victim if r.pmid == victim.pmid else r for r in ketamine_records()]
    with EutilsStandIn(records=served, retry_after=0.05) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        summary = ingest_flow(until=NIGHT)
        efetches = [r.params["id"].split(",") for r in standin.requests if r.endpoint == "efetch"]
    return summary, efetches


def test_a_70_mb_record_is_quarantined_and_the_rest_of_its_batch_loads(
    prefect_harness, env, monkeypatch
):
    records = found_records()
    victim = inflated(records[3], 70_000_000)
    summary, efetches = run_night(monkeypatch, records, victim)

    (batch,) = [ids for ids in efetches if victim.pmid in ids]
    assert len(batch) == 10 and len(efetches) == -(-len(records) // 10), "one request each"
    with Warehouse.open(env, read_only=True) as wh:
        pmids = {a.pmid for a in wh.articles()}
        (run,) = wh.runs()
        ((pmid, reason),) = wh.query("SELECT pmid, reason FROM quarantine")
        owed = wh.pending_pmids()
    assert run["status"] == "completed" and owed == []
    assert pmids == {r.pmid for r in records} - {victim.pmid}
    assert set(batch) - {victim.pmid} <= pmids, "the rest of its batch loaded"
    assert pmid == victim.pmid and reason.startswith("oversized record: 70,0")
    assert summary["quarantined"] == 1


def test_an_answer_over_the_response_cap_is_refetched_in_halves_down_to_the_one_id(
    prefect_harness, env, monkeypatch
):
    monkeypatch.setenv("EVIDENCE_MAX_RESPONSE_BYTES", "2000000")
    records = found_records()
    victim = inflated(records[3], 3_000_000)  # under the record cap, over the answer cap
    summary, efetches = run_night(monkeypatch, records, victim)
    assert summary["quarantined"] == 1

    asked = [ids for ids in efetches if victim.pmid in ids]
    sizes = [len(ids) for ids in asked]
    assert sizes[0] == 10 and sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    assert asked[-1] == [victim.pmid], "halved down to the one id that alone is too large"
    with Warehouse.open(env, read_only=True) as wh:
        pmids = {a.pmid for a in wh.articles()}
        ((pmid, reason),) = wh.query("SELECT pmid, reason FROM quarantine")
        (run,) = wh.runs()
    assert run["status"] == "completed"
    assert pmids == {r.pmid for r in records} - {victim.pmid}
    assert pmid == victim.pmid and "2,000,000-byte response cap" in reason
    assert reason.startswith("oversized")
