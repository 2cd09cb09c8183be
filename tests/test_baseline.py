"""The bulk route end to end on NLM's real files: Dask workers, real Prefect runs, real DuckDB.

One module-scoped warehouse is built the way a clinic would: an older file first (two ketamine
records whose PMIDs NLM deleted later, and the 101 bundled ketamine records), then the two real
NLM files (a 2020 baseline file and a 2021 update file, 50,678 records). Later tests reuse it.
"""

from __future__ import annotations

import dataclasses
import gzip
from datetime import date
from pathlib import Path

import pytest
from standin_fixtures import KETAMINE_XML, ketamine_records

from core.article import LABEL_FIELDS, Article
from core.settings import DATA_DIR
from pipelines.baseline import run_baseline
from pipelines.cli import main as cli_main
from pipelines.fetch import ingest_flow
from pubmed.parser import parse_record
from pubmed.query import compile_query
from pubmed.standin.server import EutilsStandIn, load_records
from pubmed.topics import load_topics
from warehouse.db import Warehouse

BASELINE_FILE = DATA_DIR / "pubmed" / "pubmed20n0014-sample.xml.gz"
UPDATE_FILE = DATA_DIR / "pubmed" / "pubmed21n1298-sample.xml.gz"
# Two PMIDs the update file's DeleteCitation retires.
DELETED = ("31688362", "31764432")
# What the topic queries keep of the two NLM files, with the reason each one is kept: every
# other record fails the ketamine clause, or mentions ketamine only for anaesthesia, analgesia
# after surgery, toxicology or animal models of something else (20 + 27 records mention it).
UPDATE_KEPT = {
    "33984391": ["depression"],  # "...key locus of ketamine's antidepressant action"
    "34062414": ["chronic_pain"],  # complex regional pain syndrome, ketamine in the abstract
    "34092024": [
        "chronic_pain"
    ],  # "Sub-Lingual Ketamine Troches ... in Chronic Non-Malignant Pain"
    "34092549": ["ptsd"],  # "Combining Ketamine and Internet-Based CBT for ... PTSD"
}
LABELS = (*LABEL_FIELDS, "key_finding", "confidence", "needs_review", "model_version")
SEED_FILE = "pubmed19n0001-deleted-later.xml"
ARTICLE_SET = b'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'


def article_set(*records: bytes) -> bytes:
    return ARTICLE_SET + b"\n".join(records) + b"\n</PubmedArticleSet>\n"


def topic_records(n: int) -> list:
    """The first n bundled ketamine records that some topic query matches."""
    queries = [compile_query(q) for q in load_topics().queries.values()]
    return [r for r in ketamine_records() if any(q.matches(r.document) for q in queries)][:n]


def seed_file(folder: Path) -> Path:
    """Two real ketamine records, renumbered to PMIDs that the update file deletes."""
    records = topic_records(2)
    renumbered = [
        r.raw.replace(r.pmid.encode(), new.encode())
        for r, new in zip(records, DELETED, strict=True)
    ]
    path = folder / SEED_FILE
    path.write_bytes(article_set(*renumbered))
    return path


@pytest.fixture(scope="module")
def bulk(prefect_harness, tmp_path_factory):
    """The warehouse after an older file and then the two real NLM files, and both summaries."""
    folder = tmp_path_factory.mktemp("bulk")
    db = folder / "evidence.duckdb"
    # A worker process, as the command's default, for the small file; the big run uses two
    # thread workers: on a shared 2-core machine process start-up costs more than it gains
    # (measured: 1 process 67 s, 2 processes 90 s, 1 thread 32 s for the two NLM files).
    first = run_baseline([seed_file(folder), KETAMINE_XML], db_path=db, workers=1)
    second = run_baseline([BASELINE_FILE, UPDATE_FILE], db_path=db, workers=2, processes=False)
    return db, first, second


def test_keeps_exactly_the_topic_records_and_retires_deleted_citations(bulk):
    db, first, second = bulk
    with Warehouse.open(db, read_only=True) as wh:
        articles = {a.pmid: a for a in wh.articles()}
        runs = wh.runs()[:2]
        files = {row[1]: row[2:6] for row in wh.query("pubmed_files")}
        matches = dict(
            wh.query("SELECT pmid, list(topic ORDER BY topic) FROM query_matches GROUP BY pmid")
        )
        watermark = wh.watermark()

    # Every record the bundled file holds that a topic query matches, and no other.
    queries = {t: compile_query(q) for t, q in load_topics().queries.items()}
    expected = {
        r.pmid: sorted(t for t, q in queries.items() if q.matches(r.document))
        for r in ketamine_records()
    }
    expected = {pmid: topics for pmid, topics in expected.items() if topics}
    assert first["inserted"] == len(expected) + len(DELETED) == 49
    expected.update(UPDATE_KEPT)
    for seed, pmid in zip(topic_records(2), DELETED, strict=True):
        expected[pmid] = expected[seed.pmid]
    assert set(articles) == set(expected)
    assert matches == expected

    # The 2020 baseline file holds no ketamine study of the four conditions; the update file four.
    assert files == {
        SEED_FILE: (2, 2, 0, 0),
        "ketamine-records.xml": (101, 47, 0, 0),
        BASELINE_FILE.name: (29995, 0, 0, 0),
        UPDATE_FILE.name: (20683, 4, 20, 0),
    }
    assert second["searched"] == 29995 + 20683 and second["fetched"] == 4
    # The bundled records were taken from that update file: the same four, revised no further.
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 4)

    # DeleteCitation retires: the rows stay, marked, by the second run.
    assert second["deleted"] == len(DELETED)
    assert [r["status"] for r in runs] == ["completed", "completed"]
    for pmid in DELETED:
        assert articles[pmid].deleted and articles[pmid].title
    assert not any(a.deleted for p, a in articles.items() if p not in DELETED)
    assert all(a.model_version and a.design and a.drug for a in articles.values())
    assert watermark is None, "the bulk route leaves the nightly job's watermark alone"


def test_running_the_same_files_again_adds_nothing(bulk):
    db, _, _ = bulk
    with Warehouse.open(db, read_only=True) as wh:
        before = wh.articles(), wh.count("query_matches"), wh.count("quarantine")
        raw_before = wh.count("raw.efetch_batches")
    again = run_baseline([BASELINE_FILE, UPDATE_FILE], db_path=db, workers=1, processes=False)
    assert again["skipped"] == [BASELINE_FILE.name, UPDATE_FILE.name]
    assert again["inserted"] == again["updated"] == again["deleted"] == 0
    with Warehouse.open(db, read_only=True) as wh:
        assert (wh.articles(), wh.count("query_matches"), wh.count("quarantine")) == before
        assert wh.count("raw.efetch_batches") == raw_before
        assert wh.runs()[-1]["status"] == "completed"


def test_forced_reprocessing_changes_nothing_either(prefect_harness, tmp_path):
    db = tmp_path / "evidence.duckdb"
    run_baseline([KETAMINE_XML], db_path=db, workers=1, processes=False)
    with Warehouse.open(db, read_only=True) as wh:
        before = wh.articles()
    again = run_baseline([KETAMINE_XML], db_path=db, workers=1, processes=False, force=True)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 47)
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.articles() == before


def test_agrees_with_the_e_utilities_route_on_the_records_both_see(bulk, monkeypatch, tmp_path):
    """Serve the same records through the stand-in, ingest them nightly, compare field by field."""
    db, _, _ = bulk
    with Warehouse.open(db, read_only=True) as wh:
        live = {a.pmid: a for a in wh.articles() if not a.deleted}
        (update_body,) = wh.query(
            "SELECT body FROM raw.efetch_batches JOIN runs USING (run_id)"
            " ORDER BY started_at DESC, batch_no DESC LIMIT 1"
        )[0]
        bulk_matches = wh.query("SELECT pmid, topic FROM query_matches ORDER BY ALL")
    # The update file's kept records as the bulk route stored them, and the bundled records.
    from_update = load_records([gzip.decompress(update_body)])
    assert sorted(r.pmid for r in from_update) == sorted(UPDATE_KEPT)
    served = {r.pmid: r for r in ketamine_records()} | {r.pmid: r for r in from_update}
    nightly_db = tmp_path / "nightly.duckdb"
    monkeypatch.setenv("EVIDENCE_DB", str(nightly_db))
    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "200")
    with EutilsStandIn(records=list(served.values())) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        ingest_flow(until=date(2026, 11, 20))
    with Warehouse.open(nightly_db, read_only=True) as wh:
        nightly = {a.pmid: a for a in wh.articles()}
        nightly_matches = wh.query("SELECT pmid, topic FROM query_matches ORDER BY ALL")

    # E-utilities finds records by date; some bundled records carry none (their PubmedData
    # was trimmed), so only the files can see them. Every other record both routes hold.
    undated = {p for p, r in served.items() if r.dates["edat"] is None}
    assert undated and set(nightly) == set(live) - undated
    both = sorted(nightly)
    assert [nightly[p] for p in both] == [live[p] for p in both]
    assert [m for m in bulk_matches if m[0] in nightly] == nightly_matches


def test_cli_quarantines_a_broken_record_and_an_unreadable_file_and_loads_the_rest(
    prefect_harness, tmp_path, capsys
):
    records = topic_records(6)
    good, broken = [r.raw for r in records[:3]], records[3]
    damaged = broken.raw.replace(b"</ArticleTitle>", b"", 1)
    folder = tmp_path / "nlm"
    folder.mkdir()
    (folder / "pubmed26n0001.xml").write_bytes(article_set(*good[:2], damaged, good[2]))
    whole = gzip.compress(article_set(*(r.raw for r in records[4:])))
    (folder / "pubmed26n0002.xml.gz").write_bytes(whole[: len(whole) // 2])
    db = tmp_path / "evidence.duckdb"

    status = cli_main(["baseline", str(folder), "--db", str(db), "--workers", "1", "--threads"])

    assert status == 1
    assert "pubmed26n0002.xml.gz: unreadable" in capsys.readouterr().err
    with Warehouse.open(db, read_only=True) as wh:
        assert [a.pmid for a in wh.articles()] == sorted(r.pmid for r in records[:3])
        quarantine = wh.query("SELECT pmid, reason, source FROM quarantine ORDER BY reason")
        files = [row[1] for row in wh.query("pubmed_files")]
    assert files == ["pubmed26n0001.xml"], "an unreadable file is not marked as applied"
    (record_q, file_q) = sorted(quarantine, key=lambda q: q[0] is None)
    assert record_q[0] == broken.pmid and "not well-formed" in record_q[1]
    assert file_q[0] is None and file_q[1].startswith("pubmed26n0002.xml.gz: unreadable")
    assert {q[2] for q in quarantine} == {"pubmed-files"}

    # NLM's file fixed: the rerun applies it and skips the one already loaded.
    (folder / "pubmed26n0002.xml.gz").write_bytes(whole)
    assert cli_main(["baseline", str(folder), "--db", str(db), "--threads"]) == 0
    with Warehouse.open(db, read_only=True) as wh:
        held = [a.pmid for a in wh.articles()]
        assert wh.runs()[-1]["inserted"] == 2
    assert held == sorted([*(r.pmid for r in records[:3]), *(r.pmid for r in records[4:])])


def test_stored_records_equal_a_fresh_parse_plus_labels(bulk):
    """The spool round trip (worker to flow) loses nothing: compare with the parser's record."""
    db, _, _ = bulk
    raw = {r.pmid: r.raw for r in ketamine_records()}
    with Warehouse.open(db, read_only=True) as wh:
        stored = [a for a in wh.articles() if a.pmid in raw and a.pmid not in UPDATE_KEPT]
    assert len(stored) == 43  # the 47 kept, less the four the update file holds too
    for article in stored:
        blank = Article(pmid=article.pmid)
        unlabelled = dataclasses.replace(article, **{f: getattr(blank, f) for f in LABELS})
        assert unlabelled == parse_record(raw[article.pmid])
