"""The command line's early Prefect server: launched before the flows are imported, used by
the flow that runs inside, stopped at the end without Prefect's log workers stranding the
exit; never launched when a Prefect API is configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.prefect_api import TemporaryApi, early_prefect_api

REPO = Path(__file__).resolve().parents[1]
SCRIPT = """
from pipelines.prefect_api import early_prefect_api
with early_prefect_api() as api:
    from prefect import flow, get_run_logger
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL
    @flow(name="early")
    def early():
        get_run_logger().info("a log line the server must receive")
        return 42
    api.wait_ready()
    state = early(return_state=True)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    print("api", PREFECT_API_URL.value() == api.url, api.url)
    print("run", run.flow_id is not None, run.state.is_completed(), state.result())
    server = api.process
print("stopped", server.poll() is not None)
"""


@pytest.mark.slow
def test_a_flow_runs_on_the_early_server_which_stops_with_the_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["api"].startswith("True http://127.0.0.1:")
    assert lines["run"] == "True True 42"
    assert lines["stopped"] == "True"
    assert "Error logging to API" not in done.stderr


def test_no_server_is_launched_when_a_prefect_api_is_configured(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    api = TemporaryApi()
    api.launch()
    assert api.process is None
    with early_prefect_api() as early:
        assert early.process is None
        early.wait_ready()  # nothing to wait for
