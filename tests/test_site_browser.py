"""The public pages in Debian's Chromium (Playwright, headless, file://): they fit a 390 px
phone without sideways scrolling, and pass an accessibility check computed in the browser
(lang, headings in order, text contrast of at least 4.5:1 from getComputedStyle, a name for
the chart, header cells in tables)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from claims.publish import write_site
from claims.site import Review, render_site
from core.article import Article
from core.claim import ClaimSupport
from pubmed.parser import iter_records

ROOT = Path(__file__).resolve().parent.parent
KETAMINE_XML = ROOT / "data" / "ketamine" / "ketamine-records.xml"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic"]  # fmt: skip
GENERATED = datetime(2026, 11, 27, 3, 45, tzinfo=UTC)
pytestmark = pytest.mark.browser

# Every element with its own text: its colour against the first opaque background behind it,
# as WCAG 2.x computes relative luminance and contrast.
CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('svg') && el.tagName !== 'text') continue;
    const style = getComputedStyle(el);
    const fg = rgb(el.tagName === 'text' ? style.fill : style.color).slice(0, 3);
    const bg = background(el.closest('svg') || el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({tag: el.tagName, text: el.textContent.trim().slice(0, 40),
              ratio: (a + 0.05) / (b + 0.05)});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site with the design bars, a split findings bar, long references and a record that
    lacks authors and a year, written as publish writes it."""
    with KETAMINE_XML.open("rb") as stream:
        records = [r for r in iter_records(stream) if isinstance(r, Article)]
    refs = [r for r in records if r.doi and r.authors][:5]
    bare = next(r for r in records if not r.authors and not r.year)
    claim = ClaimSupport(
        claim_id="rapid-relief",
        wording="Ketamine can relieve depression within hours for some patients.",
        page="/treatments/depression",
        status="approved",
        support="mixed",
        cebm_level="1",
        grade="moderate",
        counts_by_design={"meta_analysis": 2, "rct": 9, "observational": 4, "case_report": 1},
        findings={"positive": 9, "mixed": 3, "negative": 2, "none": 2},
        participants=4321,
        references=(*refs, bare),
        as_of=GENERATED,
    )
    object.__setattr__(claim, "regulatory", {"esketamine_nasal": "approved for TRD"})
    reviews = {"rapid-relief": Review(date(2026, 11, 20), "0123456789abcdef" * 4)}
    files = render_site([dataclasses.replace(claim)], GENERATED, reviews=reviews)
    return write_site(files, tmp_path_factory.mktemp("site") / "public").outdir


@pytest.fixture(scope="module")
def page(site_dir: Path) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        yield context.new_page()
        context.close()
        browser.close()


PAGES = ("index.html", "claims/rapid-relief.html")


@pytest.mark.parametrize("name", PAGES)
def test_pages_fit_a_390_px_phone_without_sideways_scrolling(
    page, site_dir: Path, name: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto((site_dir / name).resolve().as_uri())
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[1] == 390 and widths[0] <= widths[1], widths
    if name != "index.html":
        box = page.locator("svg.evidence-chart").bounding_box()
        assert 250 < box["width"] <= 390 - 2 * 16, box  # scaled to the column, not 650 px


@pytest.mark.parametrize("name", PAGES)
def test_pages_pass_an_accessibility_check_in_chromium(page, site_dir: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto((site_dir / name).resolve().as_uri())
    assert page.evaluate("() => document.documentElement.lang") == "en"
    levels = page.evaluate(
        "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels
    texts = page.evaluate(CONTRAST_JS)
    assert len(texts) > 5
    low = [t for t in texts if t["ratio"] < 4.5]
    assert low == [], low
    for svg in page.locator("svg").all():
        assert svg.get_attribute("role") == "img"
        assert svg.locator("title").first.text_content().startswith("Studies by design:")
    assert page.locator("img:not([alt])").count() == 0
    for table in page.locator("table").all():
        assert table.locator("th[scope=col]").count() >= 2
    if name != "index.html":
        assert page.get_by_text("Reviewed by the medical director on 2026-11-20.").count() == 1
        assert page.get_by_text("[No authors listed in PubMed]", exact=False).count() == 1
        assert page.get_by_text("not medical advice", exact=False).count() == 1
