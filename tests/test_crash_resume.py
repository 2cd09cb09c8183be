"""A run killed mid-flight leaves the warehouse as it was, and the rerun resumes its spool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from standin_fixtures import ketamine_records

from pubmed.standin.server import EutilsStandIn, Fault
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _ingest(db: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", "--until", "2026-11-20", "--db", str(db)],
        cwd=REPO,
        env=env,
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


def test_killed_run_then_rerun_loses_nothing_and_duplicates_nothing(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    db = tmp_path / "evidence.duckdb"
    spool = tmp_path / "spool"
    with EutilsStandIn(records=ketamine_records(), retry_after=0.05) as standin:
        env = {
            **os.environ,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "EUTILS_BASE_URL": standin.base_url,
            "EVIDENCE_EFETCH_BATCH": "5",
            "EVIDENCE_BACKOFF_BASE": "0.01",
        }
        # Slow answers keep the fetch going long enough to kill it half-way.
        standin.script_faults([Fault("efetch", "slow", seconds=1.5)] * 12)
        victim = _ingest(db, env)
        fetched = lambda: len(list(spool.glob("*/batch-*.xml.gz")))  # noqa: E731
        assert _wait_for(lambda: fetched() >= 2, 240), victim.communicate()[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        spooled = fetched()
        (plan_dir,) = spool.iterdir()

        with Warehouse.open(db, read_only=True) as wh:
            assert wh.count("articles") == 0
            assert wh.watermark() is None
            assert [r["status"] for r in wh.runs()] == ["running"]

        standin.script_faults([])
        standin.clear_log()
        rerun = _ingest(db, env)
        out, _ = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, out
        efetches = [r for r in standin.requests if r.endpoint == "efetch"]

    total_batches = len(list(plan_dir.parent.glob("*")))  # spool is cleared after the load
    assert total_batches == 0
    with Warehouse.open(db, read_only=True) as wh:
        runs = wh.runs()
        pmids = [a.pmid for a in wh.articles()]
        matched = {p for (p,) in wh.query("SELECT DISTINCT pmid FROM query_matches")}
    assert [r["status"] for r in runs] == ["failed", "completed"]
    assert "abandoned" in runs[0]["error"]
    assert len(pmids) == len(set(pmids)) == len(matched)
    assert set(pmids) == matched
    batches = -(-len(pmids) // 5)
    assert len(efetches) == batches - spooled, "the rerun fetched only what the spool lacked"
