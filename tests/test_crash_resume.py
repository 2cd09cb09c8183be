"""A run killed mid-fetch leaves the warehouse as it was, and the rerun finishes the job: it
asks only for the PMIDs no spooled answer holds (matched by PMID, whatever the batch size),
picks up records that appeared at NCBI meanwhile, and stores every promised PMID once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from standin_fixtures import API_KEY, ketamine_records

from pubmed.eutils import EutilsClient
from pubmed.standin.server import PUBMED_PROLOG, EutilsStandIn, Fault
from pubmed.topics import load_topics
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]
UNTIL = date(2026, 11, 20)
pytestmark = pytest.mark.slow


def _ingest(db: Path, env: dict[str, str], batch: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", "--until", str(UNTIL), "--db", str(db)],
        cwd=REPO,
        env={**env, "EVIDENCE_EFETCH_BATCH": str(batch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def promised(records) -> set[str]:
    """What the topic queries find up to UNTIL, asked of a separate fault-free stand-in."""
    with EutilsStandIn(records=records) as clean:
        client = EutilsClient(clean.base_url, email="t@example.org", tool="t", api_key=API_KEY)
        found: set[str] = set()
        for term in load_topics().queries.values():
            found.update(
                client.search_ids(term, datetype="edat", start=date(1940, 1, 1), end=UNTIL)
            )
        return found


def answered(spool: Path) -> set[str]:
    """PMIDs the spooled parts of the killed run hold, from their manifests."""
    return {
        pmid
        for manifest in spool.glob("*/part-*.json")
        for pmid in json.loads(manifest.read_text())["returned"]
    }


def test_killed_run_rerun_with_another_batch_size_and_new_records_stores_all_once(
    prefect_harness, tmp_path
):
    from prefect.settings import PREFECT_API_URL

    records = ketamine_records()
    wanted = promised(records)
    late = sorted(wanted, key=int)[-3:-1]  # appear at "NCBI" only after the crash
    early = [r for r in records if r.pmid not in late]
    db, spool = tmp_path / "evidence.duckdb", tmp_path / "spool"
    with EutilsStandIn(records=early, retry_after=0.05) as standin:
        env = {
            **os.environ,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "EUTILS_BASE_URL": standin.base_url,
            "EVIDENCE_BACKOFF_BASE": "0.01",
        }
        # Slow answers keep the fetch going long enough to kill it half-way.
        standin.script_faults([Fault("efetch", "slow", seconds=1.5)] * 12)
        victim = _ingest(db, env, batch=5)
        parts = lambda: len(list(spool.glob("*/part-*.json")))  # noqa: E731
        assert _wait_for(lambda: parts() >= 2, 240), victim.communicate()[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        held = answered(spool)
        assert held and held < wanted - set(late)
        with Warehouse.open(db, read_only=True) as wh:
            assert wh.count("articles") == 0
            assert wh.watermark() is None
            assert [r["status"] for r in wh.runs()] == ["running"]

        for record in records:
            if record.pmid in late:
                standin.add_xml(
                    PUBMED_PROLOG + b"<PubmedArticleSet>" + record.raw + b"</PubmedArticleSet>"
                )
        standin.script_faults([])
        standin.clear_log()
        rerun = _ingest(db, env, batch=7)
        out, _ = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, out
        efetches = [r.params["id"].split(",") for r in standin.requests if r.endpoint == "efetch"]

    fetched = [pmid for ids in efetches for pmid in ids]
    assert sorted(fetched) == sorted(wanted - held), "the rerun asked only for what was missing"
    assert max(map(len, efetches)) == 7
    assert set(late) <= set(fetched)
    assert list(spool.iterdir()) == [], "the spool is cleared once loaded"
    with Warehouse.open(db, read_only=True) as wh:
        runs = wh.runs()
        pmids = [a.pmid for a in wh.articles()]
        matched = {p for (p,) in wh.query("SELECT DISTINCT pmid FROM query_matches")}
        quarantined = wh.query("SELECT pmid, reason FROM quarantine")
        owed = wh.pending_pmids()
        watermark = wh.watermark()
    assert [r["status"] for r in runs] == ["failed", "completed"]
    assert "abandoned" in runs[0]["error"]
    assert len(pmids) == len(set(pmids)) and set(pmids) == wanted == matched
    assert quarantined == [] and owed == []
    assert watermark == UNTIL
