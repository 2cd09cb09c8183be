"""The Claims page's forest-style plot in Debian's Chromium: `dashboards.serve` on a warehouse
built from real records, whose candidates a reviewer judged through ``claims.judgements.judge``
(tests/claim_judging.py). The `routes` claim counts two esketamine trials that each state a
mean difference on the MADRS: one panel is drawn, hovering a row shows the sentence it came
from, the caption says these are effects as stated in abstracts, and the hazard ratios no other
study states are listed below, not drawn. `rapid-relief` counts one trial: a short line, no plot.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_fixtures import Served, rendered, serve_dashboard
from claim_judging import judge_candidates, judged_warehouse
from dashboard_fixtures import copy_warehouse, seed_articles

from dashboards.screens.claim_effects import NOTHING_COMPARABLE, SECTION_KEY, STATED_CAPTION
from labels.appraisal.appraise import appraise

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMPARABLE = "routes"  # esketamine nasal-spray trials: MADRS mean differences in two of them
ONE_TRIAL = "rapid-relief"  # one judged trial (40601310): its effects have nothing beside them
ASPIRE, ESKETAMINE_TRD = "37771084", "40601310"  # the two trials with MADRS mean differences


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("claim-effects")
    db = copy_warehouse(judged_warehouse(tmp_path_factory), directory)
    judge_candidates(db, [COMPARABLE])
    with serve_dashboard(db, directory) as served:
        yield served


def madrs_sentences() -> set[str]:
    """The sentences of the MADRS mean differences, as the robots read them."""
    articles = {a.pmid: a for a in seed_articles() if a.pmid in (ASPIRE, ESKETAMINE_TRD)}
    return {
        e.sentence
        for a in articles.values()
        for e in appraise(a).effects
        if e.measure == "mean_difference"
    }


def test_comparable_effects_are_drawn_with_the_stated_caption(page, server: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}claims?claim={COMPARABLE}")
    rendered(page, "Claims rendered in")
    section = page.locator(f".st-key-{SECTION_KEY}")
    section.get_by_text(STATED_CAPTION).wait_for()
    chart = section.locator(".vega-embed canvas, .vega-embed svg")
    chart.first.wait_for()
    assert section.locator(".vega-embed").count() == 1  # one kind: mean differences on MADRS
    assert section.get_by_text(NOTHING_COMPARABLE).count() == 0
    section.get_by_text("Stated but not drawn").wait_for()
    listed = section.get_by_test_id("stDataFrame")
    assert listed.count() == 1
    points = section.locator(".vega-embed svg g.mark-symbol path")
    points.first.wait_for()
    assert points.count() == 3  # two MADRS differences of one trial, one of the other
    points.first.hover()  # a pointer over a study's estimate
    tip = page.locator("#vg-tooltip-element.visible")
    tip.wait_for()
    text = tip.inner_text()
    assert "RCT vs placebo" in text
    assert any(sentence in text for sentence in madrs_sentences()), text


def test_one_trial_alone_gives_a_short_line_and_no_plot(page, server: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}claims?claim={ONE_TRIAL}")
    rendered(page, "Claims rendered in")
    section = page.locator(f".st-key-{SECTION_KEY}")
    section.get_by_text(NOTHING_COMPARABLE).wait_for()
    section.get_by_text(STATED_CAPTION).wait_for()
    assert section.locator(".vega-embed").count() == 0
    section.get_by_text("Stated but not drawn").wait_for()
    # the evidence chart above still draws: the page's charts work, this section has none
    page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for()
