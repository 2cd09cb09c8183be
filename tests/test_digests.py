"""Backfill overlap: each spooled efetch answer is parsed and labelled (by a spawned worker
process and a thread) while later batches are fetched, and the load reads those digests.
What is loaded never depends on whether a digest was there: a run with digests and one
without store the same records with the same labels, and a digest that is stale, foreign or
cut short is ignored."""

from __future__ import annotations

import gzip
import sys
import types
from datetime import date
from pathlib import Path

import pytest
from standin_fixtures import KETAMINE_XML, ketamine_records

from core.article import Article
from labels.shipped import classify_articles
from pipelines.digests import MIN_BATCHES, Digester, digest_part, model_key
from pubmed.harvest import collect, promise
from pubmed.parser import iter_records
from pubmed.spool import Spool
from pubmed.standin.server import EutilsStandIn
from warehouse.db import Warehouse

UNTIL = date(2026, 11, 20)


def spool_of_demo_records(root: Path) -> tuple[Spool, list[Article]]:
    """A spool holding the bundled records as one efetch answer, and those records parsed."""
    spool = Spool(root / "spool")
    body = KETAMINE_XML.read_bytes()
    scratch = spool.scratch()
    scratch.write_bytes(body)
    with KETAMINE_XML.open("rb") as stream:
        articles = [r for r in iter_records(stream) if isinstance(r, Article)]
    pmids = [a.pmid for a in articles]
    spool.add_part(pmids, pmids, (), scratch)
    scratch.unlink()
    return spool, articles


def test_a_digest_gives_back_the_records_as_parsed_and_labelled(tmp_path):
    spool, articles = spool_of_demo_records(tmp_path)
    (part,) = spool.parts()
    key = model_key()
    digest_part(str(spool.root), part.name, key)  # what a worker process runs

    assert spool.digest(part, key) == classify_articles(articles)
    assert spool.digest(part, "another-model") is None, "labels of another model are not used"


def test_collect_takes_digested_articles_labelled_and_ignores_a_broken_digest(tmp_path):
    spool, articles = spool_of_demo_records(tmp_path)
    (part,) = spool.parts()
    key = model_key()
    digest_part(str(spool.root), part.name, key)
    owed = promise({"all": [a.pmid for a in articles]}, ())

    harvest = collect(spool, owed, response_cap=1 << 30, digest_key=key)
    assert harvest.labelled == {a.pmid for a in articles}
    assert harvest.articles == classify_articles(articles)

    (digest,) = spool.root.glob("digest-*")
    digest.write_bytes(gzip.compress(digest.read_bytes()[:-40]))  # cut short, then rewrapped
    harvest = collect(spool, owed, response_cap=1 << 30, digest_key=key)
    assert harvest.labelled == set()
    assert harvest.articles == articles, "parsed from the body instead, to be labelled at load"


@pytest.mark.parametrize("workers", [0, 1], ids=["the thread alone", "a spawned worker too"])
def test_the_digester_digests_each_finished_part(tmp_path, workers):
    spool, articles = spool_of_demo_records(tmp_path)
    digester = Digester(spool, model_key(), workers)
    digester.catch_up()
    digester.finish()
    (part,) = spool.parts()
    assert spool.digest(part, model_key()) == classify_articles(articles)


def test_a_nights_single_batch_gets_no_digester(tmp_path, monkeypatch):
    monkeypatch.delenv("EVIDENCE_DIGEST_WORKERS", raising=False)
    assert Digester.for_run(Spool(tmp_path), batches=1) is None
    monkeypatch.setenv("EVIDENCE_DIGEST_WORKERS", "off")
    assert Digester.for_run(Spool(tmp_path), batches=500) is None


def dying_main(root: Path) -> types.ModuleType:
    """A main module whose script kills any process that re-runs it, as a spawned worker
    does: the pool breaks as it does when a worker is killed."""
    script = root / "dies.py"
    script.write_text("import os\nos._exit(3)\n")
    module = types.ModuleType("__main__")
    module.__file__ = str(script)
    return module


def test_a_digester_whose_worker_dies_leaves_its_part_to_the_load(tmp_path, monkeypatch, caplog):
    spool, _ = spool_of_demo_records(tmp_path)
    monkeypatch.setitem(sys.modules, "__main__", dying_main(tmp_path))
    digester = Digester(spool, model_key(), 1)
    digester.catch_up()  # the first part goes to the worker, which dies starting
    digester.finish()  # the failure is a warning, not the run's end
    (part,) = spool.parts()
    assert spool.digest(part, model_key()) is None, "its part is left to the load"
    assert "parsed at load" in caplog.text


def stored(db: Path) -> list[Article]:
    with Warehouse.open(db, read_only=True) as wh:
        return wh.articles()


@pytest.mark.slow
def test_a_backfill_with_digest_workers_stores_what_one_without_them_stores(
    prefect_harness, tmp_path, monkeypatch
):
    from pipelines.fetch import ingest_flow

    monkeypatch.setenv("EVIDENCE_EFETCH_BATCH", "2")  # 15 batches: the workers start
    monkeypatch.setenv("EVIDENCE_BACKOFF_BASE", "0.01")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    with EutilsStandIn(records=ketamine_records(), retry_after=0.05) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        runs = {}
        for name, workers in (("with", "1"), ("dying", "1"), ("without", "off")):
            monkeypatch.setenv("EVIDENCE_DIGEST_WORKERS", workers)
            with monkeypatch.context() as patch:
                if name == "dying":  # each spawned worker runs this __main__ first, and dies
                    patch.setitem(sys.modules, "__main__", dying_main(tmp_path))
                runs[name] = ingest_flow(until=UNTIL, db_path=str(tmp_path / f"{name}.duckdb"))
    assert runs["with"]["digested"] == -(-runs["with"]["searched"] // 2) >= MIN_BATCHES
    assert runs["without"]["digested"] == 0
    with_workers, without = stored(tmp_path / "with.duckdb"), stored(tmp_path / "without.duckdb")
    assert len(with_workers) == runs["with"]["inserted"] > 20
    assert with_workers == without
    assert stored(tmp_path / "dying.duckdb") == without, "a dead worker only costs its digests"
    assert all(a.model_version for a in with_workers)
    assert not list((tmp_path / "spool").glob("*")), "spool and digests cleared after the load"
