"""PubMed's text is inert in the dashboards: a record whose title, journal, DOI, abstract and
key finding hold Markdown images, HTML images and links, LaTeX and Streamlit's own markup is
shown character for character in Chromium, and the browser never asks the local "tracker"
for its pixel. A reviewer's reason holding the same is shown as typed too.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_fixtures import (
    Served,
    choose,
    loopback_context,
    rendered,
    serve_dashboard,
)
from dashboard_fixtures import WINDOW_END, copy_warehouse, seed_articles, shared_warehouse

from core.article import AbstractSection
from warehouse.db import RunLoad, Warehouse
from warehouse.inbox import read_inbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECTIONED, PLAIN = "99000001", "99000002"  # the hostile records' PMIDs
PIXEL = bytes.fromhex(  # a 1x1 transparent PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Tracker(ThreadingHTTPServer):
    """A local stand-in for a tracking pixel's host: it notes every request it gets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PixelHandler)
        self.requests: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PixelHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PIXEL)

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Hostile:
    """The texts the hostile records carry, each as the page must show it."""

    title: str
    journal: str
    doi: str
    section_label: str
    section: str
    abstract: str
    key_finding: str
    reason: str


def hostile_texts(base: str) -> Hostile:
    pixel = f"{base}/pixel.png"
    return Hostile(
        title=f'Ketamine <img src="{pixel}?in=title"> and ![t]({pixel}?in=title-md) **loud**',
        journal=f'<img src="{pixel}?in=journal"> Journal',
        doi=f"10.1000/x) ![d]({pixel}?in=doi",
        section_label="RESULTS <b>",
        section=(
            f"Patients improved ![x]({pixel}?in=abstract) - "
            f'<a href="{base}/click">Click here</a> or [Click here]({base}/click); '
            f"<img src={pixel}?in=abstract-img> $x^2$ :red[alarm] {base}/click"
        ),
        abstract=f"Unstructured ![p]({pixel}?in=plain) <iframe src='{base}/frame'></iframe>",
        key_finding=f"Ketamine helped ![k]({pixel}?in=key-finding) __really__",
        reason=f"Misread ![r]({pixel}?in=reason) <img src={pixel}?in=reason-img> `code`",
    )


def hostile_records(texts: Hostile) -> list:  # type: ignore[type-arg]
    model = next(a for a in seed_articles() if a.pmid == "34092024")
    sectioned = dataclasses.replace(
        model,
        pmid=SECTIONED,
        title=texts.title,
        journal=texts.journal,
        doi=texts.doi,
        abstract=texts.section,
        abstract_sections=(AbstractSection(texts.section_label, "RESULTS", texts.section),),
        key_finding=texts.key_finding,
    )
    plain = dataclasses.replace(
        sectioned, pmid=PLAIN, abstract=texts.abstract, abstract_sections=(), doi=None
    )
    return [sectioned, plain]


@pytest.fixture(scope="module")
def tracker() -> Iterator[Tracker]:
    server = Tracker()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, tracker: Tracker) -> Iterator[Served]:
    """The labelled warehouse plus the hostile records, served on 127.0.0.1 (demo identity)."""
    directory = tmp_path_factory.mktemp("inert")
    db = copy_warehouse(shared_warehouse(tmp_path_factory), directory / "wh")
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(window_start=WINDOW_END, window_end=WINDOW_END, flow_run_id=None)
        records = hostile_records(hostile_texts(tracker.base))
        wh.load_run(run_id, RunLoad(articles=records, window_end=WINDOW_END))
        wh.publish_snapshot()
    with serve_dashboard(db, directory) as served:
        yield served


@pytest.fixture
def page(browser, tracker: Tracker):  # type: ignore[no-untyped-def]
    with loopback_context(browser, []) as context:
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        yield page
        assert [url for url in asked if url.startswith(tracker.base)] == []
    assert tracker.requests == []  # nothing reached the tracker by any other way either


def main_text(page) -> str:  # type: ignore[no-untyped-def]
    """What the page shows in its main area, as a reader sees (and copies) it."""
    return page.get_by_test_id("stMain").inner_text().replace("\u200b", "")


def assert_nothing_live(page, tracker: Tracker) -> None:  # type: ignore[no-untyped-def]
    """No image, link or frame the records' markup could have made."""
    for selector in ("img[src*='{p}']", "a[href*='{p}']", "iframe[src*='{p}']"):
        assert page.locator(selector.format(p=tracker.base)).count() == 0, selector
    assert page.get_by_role("link", name="Click here").count() == 0


def test_a_hostile_record_is_shown_as_written(page, app: Served, tracker: Tracker) -> None:  # type: ignore[no-untyped-def]
    texts = hostile_texts(tracker.base)
    page.goto(f"{app.url}study?pmid={SECTIONED}")
    rendered(page, "Study rendered in")
    page.get_by_role("heading", name=texts.title).wait_for()
    shown = main_text(page)
    for text in (texts.journal, texts.section, f"{texts.section_label}.", texts.key_finding):
        assert text in shown, text
    assert f"DOI {texts.doi}" in shown
    assert "<b>" in shown and "**loud**" in shown and "__really__" in shown
    assert_nothing_live(page, tracker)
    page.goto(f"{app.url}study?pmid={PLAIN}")
    rendered(page, "Study rendered in")
    page.get_by_text("Unstructured").wait_for()
    assert texts.abstract in main_text(page)
    assert_nothing_live(page, tracker)


def test_a_reason_is_shown_as_typed(page, app: Served, tracker: Tracker) -> None:  # type: ignore[no-untyped-def]
    texts = hostile_texts(tracker.base)
    page.goto(f"{app.url}study?pmid={SECTIONED}")
    rendered(page, "Study rendered in")
    choose(page, "Label to correct", "Design")
    page.get_by_test_id("stForm").get_by_text("New value").first.wait_for()
    page.wait_for_timeout(300)  # the form redraws for the chosen label
    choose(page, "New value", "RCT")
    page.get_by_label("Reason").fill(texts.reason)
    page.get_by_role("button", name="Save correction").click()
    page.get_by_text("Correction of Design saved by").wait_for()
    page.get_by_role("cell", name=texts.reason).wait_for()
    assert [c["reason"] for c in read_inbox(app.db).corrections] == [texts.reason]
    assert_nothing_live(page, tracker)


def test_the_lists_show_the_hostile_titles_as_text(page, app: Served, tracker: Tracker) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app.url}studies?text=%2A%2Aloud%2A%2A")
    rendered(page, "Studies rendered in")
    page.get_by_text("2 studies match").wait_for()
    assert_nothing_live(page, tracker)
    page.goto(app.url)
    rendered(page, "Evidence map rendered in")
    assert_nothing_live(page, tracker)
