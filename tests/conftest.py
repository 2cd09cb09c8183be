"""Session-wide test set-up: an isolated Prefect home and, for flow tests, a Prefect harness."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator

import pytest

# Prefect reads its settings when first imported: isolate it before any test module imports it.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's AppTest installs each script it runs as ``__main__`` and leaves it there; a
    process spawned later (the digest workers) would re-run that script as it starts."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for every flow run of the session (its start costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Debian Chromium per browser-test module (skipped where it is not installed)."""
    from browser_fixtures import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A page in a fresh context that may load nothing from beyond 127.0.0.1 (a module whose
    pages may, such as the sign-in stand-in's stylesheet, defines its own)."""
    from browser_fixtures import loopback_context

    blocked: list[str] = []
    with loopback_context(browser, blocked) as context:
        yield context.new_page()
    assert blocked == []  # the app loads nothing from beyond 127.0.0.1
