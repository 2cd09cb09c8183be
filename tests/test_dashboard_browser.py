"""End to end in a real browser: `ketamine-evidence dashboard`'s server (dashboards.serve) on a
labelled warehouse built from real records, driven by Playwright through Debian's Chromium.

Opens every page (saving the screenshots docs/screenshots/*.png that the README shows), applies
a filter, follows a map cell to its studies and on to one study, submits a correction and sees
it applied, approves a claim and sees it approved, and keeps using the app while a nightly-like
load holds the warehouse.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dashboard_fixtures import (
    RETRACTED_PMID,
    copy_warehouse,
    nightly_load,
    seed_articles,
    shared_warehouse,
)

from warehouse.db import Warehouse
from warehouse.inbox import merge_inbox, read_inbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]
SUBLINGUAL = "34092024"
STRONG_CHRONIC_PAIN_RCT = "9698948"  # racemic ketamine IV in chronic ischaemic pain, an RCT
REVIEWER = "Dr Ada Lovelace"
WAIT_MS = 60_000
RENDER_BUDGET_SECONDS = 2.0
PAGES = {  # sidebar title -> the caption each page ends with
    "Evidence map": "Evidence map rendered in",
    "Trends": "Trends rendered in",
    "Studies": "Studies rendered in",
    "Study": "Study rendered in",
    "Claims": "Claims rendered in",
    "Pipeline": "Pipeline rendered in",
}
CLAIM = "chronic-pain"  # supported by seven RCTs in the seed labels


@dataclass(frozen=True)
class Server:
    url: str
    db: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the dashboard server exited"
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} never answered its health check")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`python -m dashboards.serve` on a free port, on a private copy of the warehouse."""
    directory = tmp_path_factory.mktemp("browser")
    db = copy_warehouse(shared_warehouse(tmp_path_factory), directory)
    port = free_port()
    env = {
        **os.environ,
        "EVIDENCE_REVIEWERS": f"{REVIEWER}, Dr Grace Hopper",
        "EVIDENCE_REVIEWERS_FILE": str(directory / "none.txt"),
    }
    with (directory / "server.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboards.serve", "--db", str(db), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, proc)
        yield Server(url, db)
    finally:
        proc.send_signal(signal.SIGTERM)  # serve forwards it to Streamlit
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the session this fixture started
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, dict[str, float]]]:
    found: dict[str, dict[str, float]] = {}
    yield found
    print("\nrender times (s):", json.dumps(found, indent=1))  # shown with pytest -s


def rendered(page, caption: str) -> float:  # type: ignore[no-untyped-def]
    """Wait for a page's closing caption; return the server's own render time."""
    text = page.get_by_text(caption).inner_text()
    assert page.get_by_test_id("stException").count() == 0
    return float(re.search(r"rendered in ([\d.]+) s", text).group(1))


def charts_drawn(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for()
    page.wait_for_timeout(800)  # let Vega finish drawing before a screenshot


def shoot(page, name: str, height: int = 1500) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": height})
    page.get_by_test_id("stMain").evaluate("main => main.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


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
    page.screenshot(path=str(SCREENSHOTS.parent / f"failed-choose-{label}.png"))
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def cell(condition: str, outcome: str, min_rank: int = 8) -> int:
    """Studies in one map cell, from the seed labels (designs ranked as TAXONOMY.md)."""
    from dashboards.taxonomy import design_rank

    return sum(
        1
        for a in seed_articles()
        if a.drug not in (None, "not_studied")
        and condition in a.conditions
        and outcome in a.outcomes
        and design_rank(a.design) <= min_rank
    )


def test_every_page_opens_in_the_browser(page, server: Server, timings) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    page.goto(server.url)
    timings["Evidence map"] = {"server": rendered(page, PAGES["Evidence map"])}
    timings["Evidence map"]["first load"] = round(time.perf_counter() - started, 2)
    charts_drawn(page)
    shoot(page, "evidence-map", 1300)
    for title in ("Trends", "Studies", "Pipeline"):
        started = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        server_seconds = rendered(page, PAGES[title])
        timings[title] = {
            "server": server_seconds,
            "navigation": round(time.perf_counter() - started, 2),
        }
        if title == "Trends":
            charts_drawn(page)
        shoot(page, title.lower(), 1800 if title == "Trends" else 1300)
    started = time.perf_counter()
    page.goto(f"{server.url}study?pmid={SUBLINGUAL}")
    timings["Study"] = {
        "server": rendered(page, PAGES["Study"]),
        "first load": round(time.perf_counter() - started, 2),
    }
    shoot(page, "study", 2300)
    page.goto(f"{server.url}study?pmid={RETRACTED_PMID}")
    page.get_by_text("This study has been retracted").wait_for()
    shoot(page, "retracted-study", 900)
    assert all(t["server"] < RENDER_BUDGET_SECONDS for t in timings.values()), timings


def test_filter_the_map_then_open_a_cell_and_a_study(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    all_designs = cell("chronic_pain", "efficacy")
    page.get_by_role("link", name=f"Chronic pain × Efficacy: {all_designs} studies").wait_for()
    choose(page, "Minimum design", "RCT or stronger")
    strong = cell("chronic_pain", "efficacy", min_rank=2)
    assert 0 < strong < all_designs
    link = page.get_by_role("link", name=f"Chronic pain × Efficacy: {strong} studies")
    link.wait_for()
    assert "min_design=rct" in page.url
    link.click()
    page.get_by_text(f"{strong} studies match").wait_for()
    assert "condition=chronic_pain" in page.url and "outcome=efficacy" in page.url
    assert "min_design=rct" in page.url
    rendered(page, PAGES["Studies"])
    study = next(a for a in seed_articles() if a.pmid == STRONG_CHRONIC_PAIN_RCT)
    page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Open a study")).click()
    page.get_by_role("option", name=re.compile(rf"\(PMID {study.pmid}\)$")).click()
    page.get_by_role("link", name="Open study").click()
    page.get_by_role("heading", name=study.title).wait_for()
    rendered(page, PAGES["Study"])
    assert f"study?pmid={study.pmid}" in page.url


def correct(page, field: str, value: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    choose(page, "Label to correct", field)
    # The old and the new value widget overlap briefly while the form redraws.
    page.get_by_test_id("stForm").get_by_text("New value").first.wait_for()
    page.wait_for_timeout(300)  # the form redraws for the chosen label
    choose(page, "Reviewer", REVIEWER)
    choose(page, "New value", value)
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save correction").click()


def test_submit_a_correction_and_see_it_applied(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    rcts = cell("chronic_pain", "efficacy", min_rank=2)
    page.goto(f"{server.url}study?pmid={SUBLINGUAL}")
    rendered(page, PAGES["Study"])
    correct(page, "Design", "RCT", "The abstract describes a randomised comparison.")
    page.get_by_text(f"Correction of Design saved by {REVIEWER}").wait_for()
    page.get_by_text(f"corrected by {REVIEWER} on").first.wait_for()
    page.get_by_role("cell", name="The abstract describes a randomised comparison.").wait_for()
    assert page.get_by_label("Reason").input_value() == ""  # the form is fresh again
    shoot(page, "correction", 2700)
    with Warehouse.open(server.db) as wh:  # merged into the warehouse at once: it was free
        assert wh.correction_rows() == read_inbox(server.db).corrections
    page.goto(f"{server.url}studies?condition=chronic_pain&outcome=efficacy&min_design=rct")
    page.get_by_text(f"{rcts + 1} studies match").wait_for()


def test_approve_a_claim_and_see_it_approved(page, server: Server, timings) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    page.goto(f"{server.url}claims?claim={CLAIM}")
    timings["Claims"] = {
        "server": rendered(page, PAGES["Claims"]),
        "first load": round(time.perf_counter() - started, 2),
    }
    charts_drawn(page)
    choose(page, "Reviewer", REVIEWER)
    reason = "Seven RCTs, most of them positive; the wording stays cautious."
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text(f"Claim {CLAIM} approved by {REVIEWER}").wait_for()
    page.get_by_text("Approved: what the site may say").wait_for()
    page.get_by_role("cell", name=reason).wait_for()  # the history: who, when, why
    assert timings["Claims"]["server"] < RENDER_BUDGET_SECONDS, timings
    events = read_inbox(server.db).events
    assert [(e.claim_id, e.action, e.reviewer, e.reason) for e in events] == [
        (CLAIM, "approve", REVIEWER, reason)
    ]
    with Warehouse.open(server.db) as wh:  # merged at once: the warehouse was free
        assert [e.event_id for e in wh.claim_events()] == [events[0].event_id]
    charts_drawn(page)
    shoot(page, "claims", 2600)


def test_the_app_keeps_working_while_a_nightly_load_runs(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    with nightly_load(server.db):
        page.goto(server.url)
        rendered(page, PAGES["Evidence map"])
        for title in ("Trends", "Studies", "Claims", "Pipeline"):
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            rendered(page, PAGES[title])
        page.goto(f"{server.url}study?pmid={SUBLINGUAL}")
        rendered(page, PAGES["Study"])
        correct(page, "Finding", "Mixed", "Only transient benefit; the lasting one was missed.")
        page.get_by_text("it shows now and the nightly job merges it").wait_for()
        page.get_by_role("cell", name=re.compile(r"\(pending merge\)$")).wait_for()
        assert page.get_by_text(re.compile("lock", re.IGNORECASE)).count() == 0
    merge_inbox(server.db)
    with Warehouse.open(server.db) as wh:
        assert wh.correction_rows() == read_inbox(server.db).corrections
        assert "finding" in {row["field"] for row in wh.correction_rows()}
