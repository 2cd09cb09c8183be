"""The nightly deployment from prefect.yaml, run the way production runs it.

A real Prefect server on 127.0.0.1, a process work pool, ``prefect deploy --all`` from the
repository, a worker with ``--run-once``, and the flow run completing against the stand-in.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pubmed.standin.server import EutilsStandIn
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]
KETAMINE_XML = REPO / "data" / "ketamine" / "ketamine-records.xml"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prefect(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_CLI_PROMPT": "false",
        "PWD": str(REPO),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ui",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("Prefect server did not become healthy in 120 s")
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_deployed_nightly_flow_runs_on_a_process_worker(prefect_server, tmp_path):
    env = prefect_server
    db = tmp_path / "nightly.duckdb"
    with EutilsStandIn([KETAMINE_XML]) as standin:
        env = {**env, "EUTILS_BASE_URL": standin.base_url, "EVIDENCE_BACKOFF_BASE": "0.05"}
        pool = _prefect(
            env, "work-pool", "create", "local-process", "--type", "process", "--overwrite"
        )
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deploy = _prefect(env, "--no-prompt", "deploy", "--all")
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert "ingest/nightly-pubmed" in deploy.stdout
        assert "train/weekly-retrain" in deploy.stdout

        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                "local-process",
                "--run-once",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            run = _prefect(
                env,
                "deployment",
                "run",
                "ingest/nightly-pubmed",
                "--param",
                f"db_path={db}",
                "--watch",
                "--watch-interval",
                "1",
                "--watch-timeout",
                "240",
                timeout=300,
            )
            worker_out, _ = worker.communicate(timeout=120)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert run.returncode == 0, run.stdout + run.stderr + worker_out
        assert "Completed" in run.stdout
        assert standin.requests, "the flow never reached the stand-in"

    with Warehouse.open(db, read_only=True) as wh:
        runs = wh.runs()
        assert [r["status"] for r in runs] == ["completed"]
        matched = wh.query("SELECT count(DISTINCT pmid) FROM query_matches")[0][0]
        assert wh.count("articles") == runs[0]["inserted"] == matched > 20
