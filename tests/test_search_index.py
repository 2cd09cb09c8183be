"""The text search's index: on the dashboard's real records it finds exactly what the scan of
every title and abstract found, for typed words, fragments, punctuation and mixed case; it
lives in the published snapshot only; and a study a reviewer's pending correction brings on
topic, or a newly loaded one after republishing, is found too."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from dashboard_fixtures import WINDOW_END, copy_warehouse, seed_articles, shared_warehouse

from core.article import Article
from dashboards.filters import search_params
from labels.corrections import new_correction
from warehouse.db import RunLoad, Warehouse, snapshot_path
from warehouse.inbox import read_inbox, save_correction

TYPED = [
    "treatment-resistant depression",
    "KETAMINE depressive",
    "Lozenges SUB-LINGUAL",
    "ketamine",
    "esketamine nasal spray",
    "suicidal ideation ketamine rct",
    "alzheimer's",
    "(IV)",
    "p<0.05",
    "0.5 mg/kg",
    "n=",
    "(",
    "a",
    "zzzz-not-a-word",
    "ketamine, (IV)",
    "p<0.001 randomized",
    "95%",
    "mg/kg)",
    ".",
    "ketamine.",
    "-",
    "'",
    "±",
    "(n",
    "zzzz(not)here",
]


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_warehouse(tmp_path_factory)


def found(snapshot: Path, text: str, pending: list | None = None) -> tuple[set, set]:
    """What the index and the scan each answer for a search, on the same connection."""
    with Warehouse.open(snapshot, read_only=True) as wh:
        wh.set_pending_corrections(pending or [])
        params = search_params(text)
        index = set(wh.query_frame("dash_search", params)["pmid"])
        scan = set(wh.query_frame("dash_search_scan", params)["pmid"])
    return index, scan


def sampled_searches(articles: list[Article], n: int) -> list[str]:
    """Searches made of the records' own text: whole chunks as whitespace leaves them
    (punctuation attached), the words inside them, and fragments of those words."""
    rng = random.Random(15)
    chunks = [c for a in articles for c in f"{a.title} {a.abstract or ''}".split()]
    searches = []
    for _ in range(n):
        chunk = rng.choice(chunks)
        words = re.findall(r"[\w'-]+", chunk) or [chunk]
        word = rng.choice(words)
        start = rng.randrange(len(word))
        fragment = word[start : start + rng.randint(3, 8)]
        searches.append(rng.choice([chunk, word.upper(), fragment, f"{word} {rng.choice(chunks)}"]))
    return searches


@pytest.mark.parametrize("text", TYPED)
def test_typed_searches_find_what_the_scan_found(labelled_warehouse: Path, text: str) -> None:
    index, scan = found(snapshot_path(labelled_warehouse), text)
    assert index == scan


def test_a_sample_of_the_records_own_words_finds_what_the_scan_found(
    labelled_warehouse: Path,
) -> None:
    snapshot = snapshot_path(labelled_warehouse)
    searches = sampled_searches(list(seed_articles()), 300)
    differing = [t for t in searches if (pair := found(snapshot, t))[0] != pair[1]]
    assert differing == []
    assert sum(bool(found(snapshot, t)[0]) for t in searches[:50]) > 25  # they do match


def test_the_index_is_in_the_snapshot_not_the_live_file(labelled_warehouse: Path) -> None:
    with Warehouse.open(labelled_warehouse, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM search_postings") == [(0,)]
    with Warehouse.open(snapshot_path(labelled_warehouse), read_only=True) as wh:
        ((docs,),) = wh.query("SELECT count(*) FROM marts.dash_search_docs")
        ((listed,),) = wh.query("SELECT count(*) FROM marts.dash_search_text")
    assert docs == listed > 0


def test_a_pending_correction_bringing_a_study_on_topic_is_searchable(
    labelled_warehouse: Path, tmp_path: Path
) -> None:
    db = copy_warehouse(labelled_warehouse, tmp_path / "wh")
    off = next(a for a in seed_articles() if a.drug == "not_studied" and a.title)
    word = max(re.findall(r"[A-Za-z]{6,}", off.title or ""), key=len)
    before, _ = found(snapshot_path(db), word)
    assert off.pmid not in before
    correction = new_correction(
        pmid=off.pmid,
        field="drug",
        value="ketamine",
        current="not_studied",
        reviewer="Dr Ada Lovelace",
        reason="the abstract reports ketamine after all",
    )
    save_correction(db, correction.row())
    index, scan = found(snapshot_path(db), word, read_inbox(db).corrections)
    assert off.pmid in index and index == scan


def test_a_study_loaded_later_is_found_once_the_snapshot_is_republished(
    labelled_warehouse: Path, tmp_path: Path
) -> None:
    db = copy_warehouse(labelled_warehouse, tmp_path / "wh")
    base = next(a for a in seed_articles() if a.drug == "ketamine")
    new = replace(base, pmid="99999901", title="Quokkaphrenia remitted")
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(window_start=WINDOW_END, window_end=WINDOW_END, flow_run_id=None)
        wh.load_run(run_id, RunLoad(articles=[new], window_end=WINDOW_END))
        assert found(snapshot_path(db), "quokkaphrenia")[0] == set()
        wh.publish_snapshot()
    assert found(snapshot_path(db), "QUOKKAPHRENIA remit") == ({"99999901"}, {"99999901"})
