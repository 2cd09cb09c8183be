"""The dashboards' marts and corrections on a real labelled warehouse: counts checked against
the seed labels themselves, the corrections overlay and merge, and the nightly writer."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dashboard_fixtures import (
    CONCERN_PMID,
    RETRACTED_PMID,
    copy_warehouse,
    nightly_load,
    notice_articles,
    seed_articles,
    shared_warehouse,
)

from core.article import Article
from dashboards.context import Context
from dashboards.data import ensure_ready
from dashboards.filters import Filters, search_params
from dashboards.reads import COPIED, DASH_VIEWS
from dashboards.records import article_from_row
from dashboards.taxonomy import design_rank
from labels.corrections import new_correction
from warehouse.db import SQL_DIR, Warehouse, snapshot_path
from warehouse.inbox import merge_inbox, read_inbox, save_correction, try_merge_inbox

SUBLINGUAL = "34092024"


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_warehouse(tmp_path_factory)


@pytest.fixture
def private_warehouse(labelled_warehouse: Path, tmp_path: Path) -> Path:
    return copy_warehouse(
        labelled_warehouse, tmp_path / "wh"
    )  # observational, chronic pain, sublingual ketamine lozenges


def read(db: Path, name: str, params: dict[str, Any] | None = None, pending=()) -> pd.DataFrame:
    """A read as the app makes it from the snapshot file, corrections handed over."""
    with Warehouse.open(snapshot_path(db), read_only=True) as wh:
        wh.set_pending_corrections(list(pending))
        return wh.query_frame(name, params or {})


def read_copy(db: Path, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """A read as the app makes it from its in-memory copy of the snapshot's marts."""
    with Warehouse.open_memory_copy(snapshot_path(db), COPIED, read_inbox(db).corrections) as wh:
        return wh.query_frame(name, params or {})


def on_topic() -> list[Article]:
    return [a for a in seed_articles() if a.drug not in (None, "not_studied")]


def expected_map(studies: list[Article]) -> list[dict[str, Any]]:
    """The evidence map computed from the seed labels in Python, as dash_map.sql returns it."""
    cells: dict[tuple[str, str], Counter] = {}
    for a in studies:
        group = a.design if a.design in ("meta_analysis", "rct") else "other"
        for condition in a.conditions:
            for outcome in a.outcomes:
                cell = cells.setdefault((condition, outcome), Counter())
                cell.update({"studies": 1, group: 1, a.finding: 1})
                cell["participants"] += a.sample_size or 0
    return [
        {
            "condition": c,
            "outcome": o,
            "studies": n["studies"],
            "meta_analyses": n["meta_analysis"],
            "rcts": n["rct"],
            "other_studies": n["other"],
            "positive": n["positive"],
            "mixed": n["mixed"],
            "negative": n["negative"],
            "participants": n["participants"],
        }
        for (c, o), n in sorted(cells.items())
    ]


def test_the_map_counts_designs_directions_and_participants(labelled_warehouse: Path) -> None:
    got = read_copy(labelled_warehouse, "dash_map", Filters().map_params())
    assert got.to_dict("records") == expected_map(on_topic())


def test_the_map_filters_by_years_drug_route_and_design(labelled_warehouse: Path) -> None:
    filters = Filters(
        year_from=2000,
        year_to=2024,
        drugs=("esketamine",),
        routes=("intranasal", "iv"),
        min_design="nonrandomized_trial",
    )
    chosen = [
        a
        for a in on_topic()
        if a.year
        and 2000 <= a.year <= 2024
        and a.drug == "esketamine"
        and {"intranasal", "iv"} & set(a.routes)
        and design_rank(a.design) <= 3
    ]
    assert chosen, "the filter should leave some real studies"
    got = read_copy(labelled_warehouse, "dash_map", filters.map_params())
    assert got.to_dict("records") == expected_map(chosen)


def test_off_topic_records_never_reach_the_lists(labelled_warehouse: Path) -> None:
    everything = Filters().studies_params(limit=10_000, labelled_only=False)
    listed = set(read_copy(labelled_warehouse, "dash_studies", everything)["pmid"])
    off_topic = {a.pmid for a in seed_articles() if a.drug == "not_studied"}
    assert off_topic and not listed & off_topic
    labelled = Filters().studies_params(limit=10_000)
    assert set(read_copy(labelled_warehouse, "dash_studies", labelled)["pmid"]) == {
        a.pmid for a in on_topic()
    }


def test_the_studies_behind_a_cell(labelled_warehouse: Path) -> None:
    cell = Filters().for_cell("chronic_pain", "efficacy")
    expected = {
        a.pmid for a in on_topic() if "chronic_pain" in a.conditions and "efficacy" in a.outcomes
    }
    got = read_copy(labelled_warehouse, "dash_studies", cell.studies_params(sort="size"))
    assert set(got["pmid"]) == expected
    sizes = got["sample_size"].dropna().tolist()
    assert sizes == sorted(sizes, reverse=True)
    count = read_copy(
        labelled_warehouse, "dash_studies_count", cell.count_params(pmids=None, labelled_only=True)
    )
    assert count["matches"].iloc[0] == len(expected)


def test_text_search_needs_every_word_in_title_or_abstract(labelled_warehouse: Path) -> None:
    found = read(labelled_warehouse, "dash_search", search_params("Lozenges SUB-LINGUAL"))
    assert set(found["pmid"]) == {SUBLINGUAL}
    found = read(labelled_warehouse, "dash_search", search_params("KETAMINE depressive"))
    listable = [a for a in (*seed_articles(), *notice_articles()) if a.drug != "not_studied"]
    expected = {
        a.pmid
        for a in listable
        if all(t in f"{a.title} {a.abstract}".lower() for t in ("ketamine", "depressive"))
    }
    assert len(expected) > 3 and set(found["pmid"]) == expected
    narrowed = Filters().studies_params(pmids=[SUBLINGUAL, "1"])
    assert read_copy(labelled_warehouse, "dash_studies", narrowed)["pmid"].tolist() == [SUBLINGUAL]


def test_trends_count_publications_per_condition_year_and_design(
    labelled_warehouse: Path,
) -> None:
    expected = Counter((c, a.year, a.design) for a in on_topic() if a.year for c in a.conditions)
    got = read_copy(labelled_warehouse, "dash_trends", Filters().map_params())
    assert {(r.condition, r.year, r.design): r.studies for r in got.itertuples()} == expected


def test_a_study_reads_back_as_the_record_loaded(labelled_warehouse: Path) -> None:
    row = read(labelled_warehouse, "dash_study", {"pmid": SUBLINGUAL}).to_dict("records")[0]
    loaded = next(a for a in seed_articles() if a.pmid == SUBLINGUAL)
    assert article_from_row(row) == loaded
    assert list(row["corrected_fields"]) == []


def test_retractions_and_concerns_reach_the_study(labelled_warehouse: Path) -> None:
    retracted = read(labelled_warehouse, "dash_study", {"pmid": RETRACTED_PMID}).iloc[0]
    assert retracted["retracted"] and list(retracted["retraction_notices"]) == ["34093767"]
    concern = read(labelled_warehouse, "dash_study", {"pmid": CONCERN_PMID}).iloc[0]
    assert concern["concern"] and list(concern["concern_notices"]) == ["34096680"]


# --- corrections -----------------------------------------------------------------------------


def correct_design(db: Path, value: str = "rct") -> Any:
    correction = new_correction(
        pmid=SUBLINGUAL,
        field="design",
        value=value,
        current="observational",
        reviewer="Dr Ada Lovelace",
        reason="the abstract reports a randomised comparison",
    )
    save_correction(db, correction.row())
    return correction


def cell_rcts(db: Path) -> int:
    cells = read_copy(db, "dash_map", Filters().map_params()).set_index(["condition", "outcome"])
    return int(cells.loc[("chronic_pain", "efficacy"), "rcts"])


def test_a_correction_shows_at_once_and_wins_over_the_model(private_warehouse: Path) -> None:
    db = private_warehouse
    rcts_before = cell_rcts(db)
    correction = correct_design(db)
    pending = read_inbox(db).corrections
    assert [r["correction_id"] for r in pending] == [correction.correction_id]
    study = read(db, "dash_study", {"pmid": SUBLINGUAL}, pending).iloc[0]
    assert (study["design"], list(study["corrected_fields"])) == ("rct", ["design"])
    history = read(db, "dash_study_corrections", {"pmid": SUBLINGUAL}, pending)
    assert history[["reviewer", "reason", "is_pending", "is_in_effect"]].to_dict("records") == [
        {
            "reviewer": "Dr Ada Lovelace",
            "reason": "the abstract reports a randomised comparison",
            "is_pending": True,
            "is_in_effect": True,
        }
    ]
    assert cell_rcts(db) == rcts_before + 1
    assert read(db, "dash_study", {"pmid": SUBLINGUAL}).iloc[0]["design"] == "observational"


def test_corrections_merge_once_by_id_and_reach_the_warehouse(private_warehouse: Path) -> None:
    db = private_warehouse
    first, second = correct_design(db, "rct"), correct_design(db, "nonrandomized_trial")
    assert merge_inbox(db).corrections == 2
    assert merge_inbox(db).corrections == 0
    with Warehouse.open(db) as wh:
        stored = wh.correction_rows()
        ((design, fields),) = wh.query(
            "SELECT design, corrected_fields FROM marts.articles_current WHERE pmid = ?",
            [SUBLINGUAL],
        )
    assert stored == read_inbox(db).corrections
    assert [r["correction_id"] for r in stored] == [first.correction_id, second.correction_id]
    assert (design, fields) == ("nonrandomized_trial", ["design"])
    # the nightly merge does not publish; the app's does when it merges (here: nothing new)
    assert read(db, "dash_pending_count", pending=read_inbox(db).corrections)["pending"][0] == 2
    merged = try_merge_inbox(db, republish=True)
    assert merged is not None and merged.corrections == 0
    assert read(db, "dash_pending_count", pending=read_inbox(db).corrections)["pending"][0] == 0
    assert len(read_inbox(db).corrections) == 2  # the app's file keeps every correction


def test_the_app_skips_and_the_nightly_waits_while_the_warehouse_is_busy(
    private_warehouse: Path,
) -> None:
    db = private_warehouse
    correction = correct_design(db)
    with nightly_load(db):
        assert try_merge_inbox(db) is None
        with pytest.raises(TimeoutError):
            merge_inbox(db, wait_seconds=0.2)
        pending = read_inbox(db).corrections
        assert read(db, "dash_study", {"pmid": SUBLINGUAL}, pending)["design"][0] == "rct"
    assert merge_inbox(db, wait_seconds=5).corrections == 1
    with Warehouse.open(db) as wh:
        assert [r["correction_id"] for r in wh.correction_rows()] == [correction.correction_id]


def test_a_snapshot_without_the_dashboard_views_is_republished(private_warehouse: Path) -> None:
    db = private_warehouse
    with duckdb.connect(str(snapshot_path(db))) as old:  # as published before the dashboards
        old.execute("DROP VIEW marts.dash_study_list")
    ctx = Context(db_path=db)
    with nightly_load(db):
        assert ensure_ready(ctx) == "busy"
    assert ensure_ready(ctx) == "ready"
    assert ensure_ready(Context(db_path=db.with_name("none.duckdb"))) == "missing"


# --- the SQL follows the house rules ---------------------------------------------------------

DASH_MARTS = sorted((SQL_DIR / "marts").glob("5*_*.sql"))
# The pages' reads: the dash_* ones, and the claims overview the Claims page shares with `status`.
DASH_READS = sorted(
    [*(SQL_DIR / "read").glob("dash_*.sql"), SQL_DIR / "read" / "claim_overview.sql"]
)


@pytest.mark.parametrize("path", DASH_MARTS, ids=lambda p: p.name)
def test_each_mart_file_holds_one_view_named_as_the_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = path.stem.split("_", 1)[1]
    assert re.findall(r"CREATE OR REPLACE VIEW (\S+) AS", text) == [f"marts.{name}"]
    assert "final AS (" in text and text.rstrip().endswith("SELECT * FROM final;")


def test_every_view_the_app_needs_has_a_file() -> None:
    names = {p.stem.split("_", 1)[1] for p in (SQL_DIR / "marts").glob("*.sql")}
    assert set(DASH_VIEWS) <= names


@pytest.mark.parametrize("path", DASH_READS, ids=lambda p: p.name)
def test_reads_query_marts_only(path: Path) -> None:
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    ctes = set(re.findall(r"(\w+) AS (?:MATERIALIZED )?\(", text))
    sources = re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+(?:\(\))?)", text)
    outside = {s for s in sources if not s.startswith("marts.") and s not in ctes}
    allowed = {"label_corrections"} if path.stem == "dash_correction_rows" else set()
    if path.stem == "dash_views":
        allowed = {"duckdb_views()"}
    assert outside <= allowed, outside
