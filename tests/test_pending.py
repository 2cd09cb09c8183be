"""A PMID the searches find but efetch does not return is owed, not dropped: it is asked for
again on the next nights, the watermark waits for it, and after three runs it is given up and
quarantined with that reason. Real Prefect runs, real HTTP to the stand-in, real DuckDB."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from standin_fixtures import ketamine_records, with_date_revised

from pipelines.fetch import ingest_flow
from pubmed.query import compile_query
from pubmed.standin.server import PUBMED_PROLOG, EutilsStandIn, StoredRecord
from pubmed.topics import load_topics
from warehouse.db import Warehouse

NIGHT_1 = date(2026, 11, 20)
GHOST = "99000001"  # found by ESearch, never returned by EFetch
NEWCOMER = "99000002"  # an ordinary new record of the same night


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "evidence.duckdb"))
    monkeypatch.setenv("EVIDENCE_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("EVIDENCE_TASK_RETRY_DELAY", "0")
    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "10")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return tmp_path / "evidence.duckdb"


def night(n: int) -> date:
    return NIGHT_1 + timedelta(days=n - 1)


def topic_record() -> StoredRecord:
    queries = [compile_query(term) for term in load_topics().queries.values()]
    return next(r for r in ketamine_records() if any(q.matches(r.document) for q in queries))


def renumbered(record: StoredRecord, pmid: str, day: date) -> bytes:
    """The record as a new PubmedArticleSet under another PMID, revised on ``day``."""
    raw = re.sub(
        rb"(<PMID[^>]*>)\d+(</PMID>)", rb"\g<1>" + pmid.encode() + rb"\2", record.raw, count=1
    )
    return (
        PUBMED_PROLOG + b"<PubmedArticleSet>" + with_date_revised(raw, day) + b"</PubmedArticleSet>"
    )


def ghost(record: StoredRecord, day: date) -> StoredRecord:
    """A record ESearch finds (entered on ``day``) whose bytes EFetch never sends."""
    return StoredRecord(GHOST, b"", record.document, dict.fromkeys(("edat", "crdt", "mdat"), day))


def state(db):
    with Warehouse.open(db, read_only=True) as wh:
        return {
            "pmids": {a.pmid for a in wh.articles()},
            "owed": {p.pmid: p.attempts for p in wh.pending_pmids()},
            "quarantine": wh.query("SELECT pmid, reason FROM quarantine"),
            "watermark": wh.watermark(),
            "runs": wh.runs(),
            "matched": {p for (p,) in wh.query("SELECT pmid FROM query_matches")},
        }


def efetched(standin: EutilsStandIn) -> set[str]:
    return {
        i for r in standin.requests if r.endpoint == "efetch" for i in r.params["id"].split(",")
    }


def test_a_pmid_never_returned_is_retried_holds_the_watermark_and_is_given_up(
    prefect_harness, env, monkeypatch
):
    base = topic_record()
    records = [*ketamine_records(), ghost(base, night(2))]  # night 1's window cannot see it
    with EutilsStandIn(records=records, retry_after=0.05) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        ingest_flow(until=night(1))
        first = state(env)
        standin.add_xml(renumbered(base, NEWCOMER, night(2)))
        standin.clear_log()
        second_summary = ingest_flow(until=night(2))
        second = state(env)
        assert GHOST in efetched(standin)
        standin.clear_log()
        ingest_flow(until=night(3))
        third = state(env)
        assert GHOST in efetched(standin), "asked for again the next night"
        ingest_flow(until=night(4))
        fourth = state(env)

    assert first["watermark"] == night(1) and first["owed"] == {}
    # Night 2: the newcomer loads, the ghost is owed and the watermark waits for it.
    assert second["pmids"] == first["pmids"] | {NEWCOMER}
    assert second["owed"] == {GHOST: 1} and second_summary["pending"] == 1
    assert second["watermark"] == night(1)
    assert GHOST not in second["matched"] and second["quarantine"] == []
    assert second["runs"][-1]["status"] == "completed"
    # Night 3: still owed; the window still reaches back to the one that first promised it.
    assert third["owed"] == {GHOST: 2} and third["watermark"] == night(1)
    assert third["runs"][-1]["window_start"] == night(1) - timedelta(days=3)
    # Night 4: the third run in vain gives it up, with the reason, and the watermark moves.
    assert fourth["owed"] == {} and GHOST not in fourth["pmids"]
    ((pmid, reason),) = fourth["quarantine"]
    assert pmid == GHOST and "never returned" in reason and "3 runs" in reason
    assert fourth["watermark"] == night(4)


def test_a_pmid_owed_one_night_that_comes_back_the_next_is_loaded_with_its_topics(
    prefect_harness, env, monkeypatch
):
    base = topic_record()
    records = [*ketamine_records(), ghost(base, night(2))]
    with EutilsStandIn(records=records, retry_after=0.05) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        ingest_flow(until=night(1))
        ingest_flow(until=night(2))
        owed = state(env)
        # Back, dated long before any window: only the owed list can ask for it now.
        standin.add_xml(renumbered(base, GHOST, night(1) - timedelta(days=400)))
        ingest_flow(until=night(3))
        after = state(env)

    assert owed["owed"] == {GHOST: 1} and owed["watermark"] == night(1)
    assert GHOST in after["pmids"] and GHOST in after["matched"]
    assert after["owed"] == {} and after["quarantine"] == []
    assert after["watermark"] == night(3)
