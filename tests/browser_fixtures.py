"""Serving the dashboards for real and driving them in Debian's Chromium, for the browser
tests: `python -m dashboards.serve` on a free port with its own environment, an isolated HOME
(no ~/.streamlit leaks in), and browser contexts that never leave 127.0.0.1.

Imported explicitly (``from browser_fixtures import ...``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
WAIT_MS = 60_000
# Settings of the test process that must not reach a served app unless a test sets them.
APP_VARIABLES = (
    "EVIDENCE_REVIEWERS",
    "EVIDENCE_DIRECTORS",
    "EVIDENCE_SETTINGS",
    "EVIDENCE_REVIEWER_HEADER",
    "EVIDENCE_AUTH_SECRETS",
    "STREAMLIT_SECRETS_FILES",
)


@dataclass(frozen=True)
class Served:
    url: str  # always through 127.0.0.1, whatever address the server binds
    db: Path
    log: Path
    host: str  # the address it binds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} never answered its health check")


@contextmanager
def serve_dashboard(
    db: Path,
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    environ: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[Served]:
    """`python -m dashboards.serve` on `host`; the browser reaches it on 127.0.0.1."""
    port = port or free_port()
    home = directory / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update({"HOME": str(home), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
    env.update(environ or {})
    log = directory / f"server-{port}.log"
    command = [sys.executable, "-m", "dashboards.serve", "--db", str(db), "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--host", host, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, proc, log)
        yield Served(url, db, log, host)
    finally:
        proc.send_signal(signal.SIGTERM)  # serve forwards it to Streamlit
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the session this helper started
            proc.wait()


@contextmanager
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def loopback_context(browser, blocked: list[str], **options: object) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (own cookies) whose requests beyond 127.0.0.1 are aborted and
    noted in `blocked` (the OIDC stand-in's pages link a stylesheet from a CDN)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1500}, **options)
    context.set_default_timeout(WAIT_MS)

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    try:
        yield context
    finally:
        context.close()


def rendered(page, caption: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for a page's closing caption ("<Page> rendered in"); no exception shown."""
    page.get_by_text(caption).wait_for()
    assert page.get_by_test_id("stException").count() == 0


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a Streamlit selectbox by its label.

    A rerun can redraw the box just as it opens, closing its list: open it again then.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        box.click()
        try:
            choice.wait_for(timeout=5_000)
            # A rerun can also redraw the list under the pointer mid-click: retry that too.
            choice.click(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        return
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def correct(page, field: str, value: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Fill and submit the Study page's correction form (the reviewer is whoever signed in)."""
    choose(page, "Label to correct", field)
    # The old and the new value widget overlap briefly while the form redraws.
    page.get_by_test_id("stForm").get_by_text("New value").first.wait_for()
    page.wait_for_timeout(300)  # the form redraws for the chosen label
    choose(page, "New value", value)
    from playwright.sync_api import expect

    # Under load the redraw can still hold the old form's box beside the new one: wait for one.
    reason_box = page.get_by_label("Reason")
    expect(reason_box).to_have_count(1, timeout=10_000)
    reason_box.fill(reason)
    page.get_by_role("button", name="Save correction").click()


def approve_claim(page, reason: str, override: str = "Approved for the test.") -> None:  # type: ignore[no-untyped-def]
    """Submit the Claims page's decision form as an approval; where the evidence falls short,
    the form asks for an override reason too, which this gives."""
    page.get_by_label("Reason").fill(reason)
    asked = page.get_by_label(re.compile(r"^Override: "))
    if asked.count():
        asked.fill(override)
    page.get_by_role("button", name="Approve", exact=True).click()
