"""The newcomer's path: `demo` writes the warehouse every later command finds with no flags,
marked as demo data, so a real ingest from NCBI refuses to mix into it; the demo never
replaces a file that holds real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests

from pipelines.demo import DEMO_NOTE, fresh_demo_file
from warehouse.db import Warehouse

SCRIPT = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))
DEFAULT = Path("warehouse") / "evidence.duckdb"
pytestmark = pytest.mark.slow


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    assert SCRIPT
    return subprocess.run(
        [SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


def newcomer_env(**extra: str) -> dict[str, str]:
    drop = ("EUTILS_BASE_URL", "NCBI_EMAIL", "NCBI_API_KEY", "EVIDENCE_DB", "EVIDENCE_PUBLISH_DIR")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def test_after_the_demo_the_next_commands_need_no_flags(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    env = newcomer_env(PREFECT_API_URL=PREFECT_API_URL.value())
    demo = run(tmp_path, "demo", env=env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert (tmp_path / DEFAULT).is_file()
    assert "ketamine-evidence status\n" in demo.stdout
    assert "dashboard --db" not in demo.stdout and "status --db" not in demo.stdout
    with Warehouse.open(tmp_path / DEFAULT, read_only=True) as wh:
        assert wh.demo_note() == DEMO_NOTE and wh.count("articles") > 40

    status = run(tmp_path, "status", env=env)
    assert status.returncode == 0 and "articles" in status.stdout
    cite = run(tmp_path, "cite", "40601310", env=env)
    assert cite.returncode == 0 and "PMID: 40601310" in cite.stdout, cite.stderr
    publish = run(tmp_path, "publish", "site", env=env)
    assert publish.returncode == 0, publish.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert_dashboard_serves(tmp_path, env)

    real = run(tmp_path, "ingest", env={**env, "NCBI_EMAIL": "md@clinic.org"})
    assert real.returncode != 0 and "Traceback" not in real.stderr
    (line,) = real.stderr.strip().splitlines()
    assert "demo data" in line and "--db" in line
    with Warehouse.open(tmp_path / DEFAULT, read_only=True) as wh:
        assert len(wh.runs()) == 1, "nothing from NCBI was mixed in"


def assert_dashboard_serves(cwd: Path, env: dict[str, str]) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [SCRIPT, "dashboard", "--port", str(port)],  # type: ignore[list-item]
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.5)
        raise AssertionError(f"the dashboard did not come up: {server.poll()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_demo_never_replaces_a_real_warehouse(tmp_path):
    real = tmp_path / DEFAULT
    with Warehouse.open(real) as wh:
        wh.start_run(window_start=date(2026, 1, 1), window_end=date(2026, 1, 2), flow_run_id=None)
        before = wh.runs()
    result = run(tmp_path, "demo", env=newcomer_env())
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("demo: ") and "real warehouse" in line and "--db" in line
    with Warehouse.open(real, read_only=True) as wh:
        assert wh.runs() == before and wh.demo_note() is None


def test_a_later_demo_replaces_the_earlier_demo_file(tmp_path):
    path = tmp_path / "evidence.duckdb"
    fresh_demo_file(path)
    with Warehouse.open(path) as wh:
        wh.start_run(window_start=date(2026, 1, 1), window_end=date(2026, 1, 2), flow_run_id=None)
    fresh_demo_file(path)
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.runs() == [] and wh.demo_note() == DEMO_NOTE
