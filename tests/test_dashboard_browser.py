"""End to end in a real browser: `ketamine-evidence dashboard`'s server (dashboards.serve) on a
labelled warehouse built from real records, driven by Playwright through Debian's Chromium.

Served on 127.0.0.1 with no sign-in configured, as a newcomer after `make demo` would: the
local demo identity may correct and approve. Opens every page (saving the screenshots
docs/screenshots/*.png that the README shows) without a request beyond 127.0.0.1, applies a
filter, follows a map cell to its studies and on to one study, submits a correction and sees
it applied, approves a claim and sees it approved, and keeps using the app while a
nightly-like load holds the warehouse.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from browser_fixtures import (
    ROOT,
    Served,
    approve_claim,
    choose,
    correct,
    serve_dashboard,
)
from dashboard_fixtures import (
    RETRACTED_PMID,
    copy_warehouse,
    nightly_load,
    seed_articles,
    shared_warehouse,
)

from dashboards.context import DEMO_EMAIL
from warehouse.db import Warehouse
from warehouse.inbox import merge_inbox, read_inbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "docs" / "screenshots"
SUBLINGUAL = "34092024"
STRONG_CHRONIC_PAIN_RCT = "9698948"  # racemic ketamine IV in chronic ischaemic pain, an RCT
REVIEWER = DEMO_EMAIL  # no sign-in configured, on loopback: the local demo identity
PAGES = {  # sidebar title -> the caption each page ends with
    "Evidence map": "Evidence map rendered in",
    "Trends": "Trends rendered in",
    "Studies": "Studies rendered in",
    "Study": "Study rendered in",
    "Claims": "Claims rendered in",
    "Pipeline": "Pipeline rendered in",
}
CLAIM = "chronic-pain"  # supported by seven RCTs in the seed labels


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`python -m dashboards.serve` on 127.0.0.1, on a private copy of the warehouse."""
    directory = tmp_path_factory.mktemp("browser")
    db = copy_warehouse(shared_warehouse(tmp_path_factory), directory)
    with serve_dashboard(db, directory) as served:
        yield served


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


def test_every_page_opens_in_the_browser(page, server: Served, timings) -> None:  # type: ignore[no-untyped-def]
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


def test_filter_the_map_then_open_a_cell_and_a_study(page, server: Served) -> None:  # type: ignore[no-untyped-def]
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


def test_submit_a_correction_and_see_it_applied(page, server: Served) -> None:  # type: ignore[no-untyped-def]
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


def test_approve_a_claim_and_see_it_approved(page, server: Served, timings) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    page.goto(f"{server.url}claims?claim={CLAIM}")
    timings["Claims"] = {
        "server": rendered(page, PAGES["Claims"]),
        "first load": round(time.perf_counter() - started, 2),
    }
    charts_drawn(page)
    page.get_by_text("Demo identity, local only").wait_for()
    reason = "Seven RCTs, most of them positive; the wording stays cautious."
    approve_claim(page, reason)
    page.get_by_text(f"Claim {CLAIM} approved by {REVIEWER}").wait_for()
    page.get_by_text("Approved: what the site may say").wait_for()
    events = read_inbox(server.db).events
    assert [(e.claim_id, e.action, e.reviewer, e.reason) for e in events] == [
        (CLAIM, "approve", REVIEWER, reason)
    ]
    with Warehouse.open(server.db) as wh:  # merged at once: the warehouse was free
        assert [e.event_id for e in wh.claim_events()] == [events[0].event_id]
    charts_drawn(page)
    shoot(page, "claims", 2600)


def test_the_app_keeps_working_while_a_nightly_load_runs(page, server: Served) -> None:  # type: ignore[no-untyped-def]
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


def test_review_queue_and_model_card_in_the_browser(page, server: Served) -> None:  # type: ignore[no-untyped-def]
    """The review queue lists studies with labels open for review, each linked to its Study page,
    and the Pipeline page shows the model card with the frozen-split figures."""
    page.goto(f"{server.url}review")
    page.get_by_text("Review queue", exact=True).first.wait_for()
    page.get_by_text(
        re.compile(r"studies with labels open for review|No labels wait for review")
    ).wait_for()
    shoot(page, "review-queue", 1300)
    page.goto(f"{server.url}pipeline")
    page.get_by_text("Model card", exact=False).first.wait_for()
    page.get_by_text(re.compile("frozen-split figures")).wait_for()
