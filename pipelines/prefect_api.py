"""Prefect's temporary API server, started the moment a command knows it will run a flow.

With no Prefect server configured, Prefect starts a temporary one when the first flow runs:
it imports the server into the command's own process, then launches it and waits for it,
and only then does the flow begin (10-30 s, most of ``make demo``). Launching the same
server (Prefect's own ``uvicorn`` factory, UI and background services off, as Prefect does)
as the very first thing lets it boot on the other core while the command imports its
libraries, reads its records and checks its settings; the flows then run against it.
A server configured by the user (``PREFECT_API_URL``, in the environment or a profile) is
always used instead, and nothing is launched or the launched one is stopped unused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PORT_IN_USE = 3  # uvicorn's exit code when the port was taken between choosing and binding
STARTUP_TIMEOUT = 180.0  # seconds; PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS wins


class TemporaryApi:
    """A Prefect API server process of this command's own, or None of it if one is set."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    def launch(self) -> None:
        """Start the server process unless the environment already names a Prefect API."""
        if os.environ.get("PREFECT_API_URL"):
            return
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        self.process = subprocess.Popen(
            _server_command(port),
            env={**os.environ, **_SERVER_ENV},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def wait_ready(self) -> None:
        """Block until the server answers its health check (it has migrated its database)."""
        if self.process is None:
            return
        limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 0))
        deadline = time.monotonic() + (limit or STARTUP_TIMEOUT)
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == PORT_IN_USE:
                self.launch()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary API server exited with code {code}")
            if _healthy(f"{self.url}/health"):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Prefect's temporary API server did not start in time")

    def stop(self) -> None:
        """End the server (it stops in under a second on SIGTERM)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextlib.contextmanager
def early_prefect_api() -> Iterator[TemporaryApi]:
    """Launch the temporary server now; inside, flows use it once ``wait_ready`` returned.

    Call before importing Prefect or the flows, so their imports overlap the server's start.
    """
    api = TemporaryApi()
    api.launch()
    try:
        with _use(api):
            yield api
    finally:
        api.stop()


@contextlib.contextmanager
def _use(api: TemporaryApi) -> Iterator[None]:
    """Point Prefect at the launched server, unless its settings name another API."""
    if api.process is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():  # a profile names a real server: use that one
        api.stop()
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: api.url}):
        try:
            yield
        finally:
            _drain_prefect()


def _drain_prefect(timeout: float = 10.0) -> None:
    """Let Prefect send its last logs and events while the server is still there: stopped
    first, its workers would retry against a closed port for minutes before the exit."""
    for module, name in (
        ("prefect.logging.handlers", "APILogWorker"),
        ("prefect.events.worker", "EventsWorker"),
    ):
        worker = getattr(sys.modules.get(module), name, None)
        if worker is not None:
            worker.drain_all(timeout=timeout)


# What Prefect itself sets for its temporary server: no UI, the ephemeral set of services.
_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
}


def _server_command(port: int) -> list[str]:
    """Prefect's own command for its temporary server (prefect.server.api.server)."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.submodule_search_locations
    app_dir = Path(next(iter(spec.submodule_search_locations))).parent
    return [
        *(sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory"),
        "prefect.server.api.server:create_app",
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "error"),
        *("--lifespan", "on"),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def _healthy(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False
