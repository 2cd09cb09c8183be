"""The ingestion flow end to end: real Prefect runs, real HTTP to the stand-in, real DuckDB."""

from __future__ import annotations

import dataclasses
import gzip
import re
from datetime import date

import pytest
from standin_fixtures import API_KEY, ketamine_records, with_date_revised

from core.article import LABEL_FIELDS, Article
from core.settings import DATA_DIR
from pipelines.fetch import ingest_flow
from pubmed.eutils import EutilsClient, EutilsUnreachable
from pubmed.parser import parse_record, split_records
from pubmed.standin.server import EutilsStandIn, Fault, FaultPolicy, StoredRecord
from pubmed.topics import load_topics
from warehouse.db import Warehouse

NIGHT_1 = date(2026, 11, 20)
NIGHT_2 = date(2026, 11, 21)
UPDATE_XML = DATA_DIR / "pubmed" / "pubmed21n1298-sample.xml.gz"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Point the pipeline at a fresh warehouse with test-sized retries and batches."""
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "evidence.duckdb"))
    monkeypatch.setenv("EVIDENCE_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("EVIDENCE_TASK_RETRY_DELAY", "0")
    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "10")
    monkeypatch.setenv("EVIDENCE_HTTP_TIMEOUT", "2")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return tmp_path / "evidence.duckdb"


def serve(monkeypatch, records) -> EutilsStandIn:
    standin = EutilsStandIn(records=records, retry_after=0.05).start()
    monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
    return standin


def expected_matches(records, until: date) -> dict[str, set[str]]:
    """What each topic query finds, asked of a separate fault-free stand-in."""
    with EutilsStandIn(records=records) as clean:
        client = EutilsClient(clean.base_url, email="t@example.org", tool="t", api_key=API_KEY)
        return {
            topic: set(client.search_ids(term, datetype="edat", start=date(1940, 1, 1), end=until))
            for topic, term in load_topics().queries.items()
        }


LABELS = (*LABEL_FIELDS, "key_finding", "confidence", "model_version", "needs_review")


def unlabelled(article: Article) -> Article:
    """The record as parsed: the classifier's fields back at their defaults."""
    blank = Article(pmid=article.pmid)
    return dataclasses.replace(article, **{f: getattr(blank, f) for f in LABELS})


def stored(db) -> list[Article]:
    with Warehouse.open(db, read_only=True) as wh:
        return wh.articles()


def test_backfill_through_faults_loads_every_record_exactly_once(prefect_harness, env, monkeypatch):
    records = ketamine_records()
    expected = expected_matches(records, NIGHT_1)
    wanted = set().union(*expected.values())
    standin = serve(monkeypatch, records)
    standin.script_faults(
        [
            Fault("esearch", "429"),
            Fault("esearch", "503"),
            Fault("efetch", "500"),
            Fault("efetch", "truncate"),
            Fault("efetch", "reset"),
            Fault("efetch", "slow", seconds=4),
            Fault("efetch", "429"),
        ]
    )
    try:
        summary = ingest_flow(until=NIGHT_1)
    finally:
        standin.stop()

    assert not standin.pending_faults, "every scripted fault was met"
    articles = stored(env)
    assert sorted(a.pmid for a in articles) == sorted(wanted)
    raw = {r.pmid: r.raw for r in records}
    assert [unlabelled(a) for a in articles] == [parse_record(raw[a.pmid]) for a in articles]
    assert all(a.model_version and a.design and a.drug and a.finding for a in articles)
    with Warehouse.open(env, read_only=True) as wh:
        (run,) = wh.runs()
        assert wh.watermark() == NIGHT_1
        matches = wh.query("SELECT topic, list(pmid ORDER BY pmid) FROM query_matches GROUP BY 1")
    assert run["status"] == "completed"
    assert run["inserted"] == len(wanted) == summary["inserted"]
    assert {t: set(p) for t, p in matches} == {t: p for t, p in expected.items() if p}
    assert standin.violations == []
    assert standin.max_requests_in_window(1.0) <= 3


def test_a_batch_that_keeps_failing_fails_the_run_and_moves_no_watermark(
    prefect_harness, env, monkeypatch
):
    standin = serve(monkeypatch, ketamine_records())
    try:
        ingest_flow(until=NIGHT_1)
        before = stored(env)
        standin.fail_randomly(FaultPolicy(kinds=("500",), endpoint="efetch", every=1))
        revised = with_date_revised(standin_raw(standin, before[0].pmid), NIGHT_2)
        standin.replace(before[0].pmid, revised)
        with pytest.raises(Exception, match=r"500|retr"):
            ingest_flow(until=NIGHT_2)
        assert stored(env) == before
        with Warehouse.open(env, read_only=True) as wh:
            assert [r["status"] for r in wh.runs()] == ["completed", "failed"]
            assert wh.watermark() == NIGHT_1
            assert "500" in (wh.runs()[1]["error"] or "")

        standin.fail_randomly(None)
        ingest_flow(until=NIGHT_2)
    finally:
        standin.stop()
    with Warehouse.open(env, read_only=True) as wh:
        assert [r["status"] for r in wh.runs()] == ["completed", "failed", "completed"]
        assert wh.watermark() == NIGHT_2
        assert wh.articles([before[0].pmid])[0].revised_date == NIGHT_2


def standin_raw(standin: EutilsStandIn, pmid: str) -> bytes:
    (record,) = [r for r in ketamine_records() if r.pmid == pmid]
    return record.raw


def _retraction_notice(target: Article) -> bytes:
    """A real retraction notice from NLM's update file, re-aimed at one of our records."""
    with gzip.open(UPDATE_XML, "rb") as handle:
        chunk = next(c for c in split_records(handle) if b'RefType="RetractionOf"' in c)
    chunk = re.sub(
        rb'(RefType="RetractionOf">.*?<PMID Version="1">)\d+',
        rb"\g<1>" + target.pmid.encode(),
        chunk,
        count=1,
        flags=re.S,
    )
    title = f"Retraction Note: {target.title}".encode()
    chunk = re.sub(
        rb"<ArticleTitle>.*?</ArticleTitle>",
        b"<ArticleTitle>" + title + b"</ArticleTitle>",
        chunk,
        count=1,
        flags=re.S,
    )
    return with_date_revised(chunk, NIGHT_2)


def test_next_night_revision_replaces_and_retraction_notice_flags(
    prefect_harness, env, monkeypatch
):
    standin = serve(monkeypatch, ketamine_records())
    try:
        ingest_flow(until=NIGHT_1)
        first = {a.pmid: a for a in stored(env)}
        revised_pmid, retracted_pmid = sorted(first, key=int)[-2:]
        raw = standin_raw(standin, revised_pmid)
        new_title = b"<ArticleTitle>Revised title: ketamine for depression.</ArticleTitle>"
        raw = re.sub(rb"<ArticleTitle>.*?</ArticleTitle>", new_title, raw, count=1, flags=re.S)
        standin.replace(revised_pmid, with_date_revised(raw, NIGHT_2))
        standin.add_xml(
            b"<PubmedArticleSet>"
            + _retraction_notice(first[retracted_pmid])
            + b"</PubmedArticleSet>"
        )
        summary = ingest_flow(until=NIGHT_2)
    finally:
        standin.stop()

    second = {a.pmid: a for a in stored(env)}
    assert second[revised_pmid].title == "Revised title: ketamine for depression."
    assert second[revised_pmid].revised_date == NIGHT_2
    assert second[retracted_pmid].retracted
    notices = second[retracted_pmid].retraction_notices
    assert len(notices) == 1 and second[notices[0]].retraction_of == (retracted_pmid,)
    assert summary["updated"] >= 1 and summary["inserted"] == 1
    unchanged = set(first) - {revised_pmid, retracted_pmid}
    assert all(second[p] == first[p] for p in unchanged)


def test_malformed_record_is_quarantined_and_the_rest_loads(prefect_harness, env, monkeypatch):
    records = list(ketamine_records())
    wanted = set().union(*expected_matches(records, NIGHT_1).values())
    victim = next(r for r in records if r.pmid in wanted)
    broken = victim.raw.replace(b"</ArticleTitle>", b"</ArticleTitl>", 1)
    records = [
        StoredRecord(**{**vars(victim), "raw": broken}) if r is victim else r for r in records
    ]
    standin = serve(monkeypatch, records)
    try:
        summary = ingest_flow(until=NIGHT_1)
    finally:
        standin.stop()
    assert sorted(a.pmid for a in stored(env)) == sorted(wanted - {victim.pmid})
    assert summary["quarantined"] == 1
    with Warehouse.open(env, read_only=True) as wh:
        ((pmid, reason, raw),) = wh.query("SELECT pmid, reason, raw FROM quarantine")
    assert pmid == victim.pmid and "ArticleTitl" in reason
    assert broken in (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)


def test_idempotent_rerun_of_the_same_window_changes_nothing(prefect_harness, env, monkeypatch):
    standin = serve(monkeypatch, ketamine_records())
    try:
        first = ingest_flow(until=NIGHT_1)
        before = stored(env)
        again = ingest_flow(since=date(1940, 1, 1), until=NIGHT_1)
    finally:
        standin.stop()
    assert stored(env) == before
    assert again["inserted"] == 0 and again["updated"] == 0
    assert again["unchanged"] == first["inserted"]


def test_an_esearch_id_that_is_not_a_pmid_is_quarantined_and_the_night_goes_on(
    prefect_harness, env, monkeypatch
):
    records = list(ketamine_records())
    wanted = set().union(*expected_matches(records, NIGHT_1).values())
    base = next(r for r in records if r.pmid in wanted)
    odd = StoredRecord("PMC9999999", b"", base.document, base.dates)  # ESearch lists it
    standin = serve(monkeypatch, [*records, odd])
    try:
        summary = ingest_flow(until=NIGHT_1)
        asked = [
            i for r in standin.requests if r.endpoint == "efetch" for i in r.params["id"].split(",")
        ]
    finally:
        standin.stop()
    assert "PMC9999999" not in asked, "never sent to efetch"
    assert sorted(a.pmid for a in stored(env)) == sorted(wanted)
    with Warehouse.open(env, read_only=True) as wh:
        ((pmid, reason),) = wh.query("SELECT pmid, reason FROM quarantine")
        (run,) = wh.runs()
    assert pmid is None and "'PMC9999999'" in reason and "not a PMID" in reason
    assert run["status"] == "completed" and summary["quarantined"] == 1


def test_a_server_that_cannot_be_reached_fails_the_run_with_that_reason(
    prefect_harness, env, monkeypatch
):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/entrez/eutils"
    monkeypatch.setenv("EUTILS_BASE_URL", base)
    with pytest.raises(EutilsUnreachable, match=f"cannot reach E-utilities at {base}"):
        ingest_flow(until=NIGHT_1)
    with Warehouse.open(env, read_only=True) as wh:
        (run,) = wh.runs()
        assert wh.count("articles") == 0 and wh.watermark() is None
    assert run["status"] == "failed" and "cannot reach E-utilities" in run["error"]
