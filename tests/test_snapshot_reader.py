"""The dashboard keeps one connection per published snapshot: reads through it see the current
snapshot (a newly published one replaces it on the next read, never a stale copy), each read
gets the pending corrections it was handed and no other read's, and threads read at once."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from dashboard_fixtures import WINDOW_END, copy_warehouse, seed_articles, shared_warehouse

from dashboards import data
from labels.corrections import new_correction
from warehouse.db import RunLoad, Warehouse, snapshot_path
from warehouse.snapshot_reader import ReaderClosed, SnapshotReader


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_warehouse(tmp_path_factory)


def study(snapshot: Path, pmid: str, pending: list | None = None) -> list[dict]:
    frame = data.read_snapshot(snapshot, "dash_study", {"pmid": pmid}, pending or [])
    return frame.to_dict("records")


def drug_correction(pmid: str, value: str) -> dict:
    return new_correction(
        pmid=pmid,
        field="drug",
        value=value,
        current="ketamine",
        reviewer="Dr Ada Lovelace",
        reason="the abstract says so",
    ).row()


def test_a_newly_published_snapshot_is_read_not_the_kept_one(
    labelled_warehouse: Path, tmp_path: Path
) -> None:
    db = copy_warehouse(labelled_warehouse, tmp_path / "wh")
    snapshot = snapshot_path(db)
    base = next(a for a in seed_articles() if a.drug == "ketamine")
    new = replace(base, pmid="99999902", title="Quokkaphrenia remitted")
    assert study(snapshot, new.pmid) == []
    kept = data.snapshot_reader(snapshot)
    assert data.snapshot_reader(snapshot) is kept  # one connection while the file is the same
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(window_start=WINDOW_END, window_end=WINDOW_END, flow_run_id=None)
        wh.load_run(run_id, RunLoad(articles=[new], window_end=WINDOW_END))
        wh.publish_snapshot()
    (row,) = study(snapshot, new.pmid)
    assert row["title"] == "Quokkaphrenia remitted"
    assert kept.closed
    with pytest.raises(ReaderClosed), kept.session():
        pass


def test_each_read_gets_its_own_pending_corrections(labelled_warehouse: Path) -> None:
    snapshot = snapshot_path(labelled_warehouse)
    pmid = next(a.pmid for a in seed_articles() if a.drug == "ketamine")
    (corrected,) = study(snapshot, pmid, [drug_correction(pmid, "esketamine")])
    (plain,) = study(snapshot, pmid)
    assert corrected["drug"] == "esketamine" and "drug" in corrected["corrected_fields"]
    assert plain["drug"] == "ketamine" and "drug" not in plain["corrected_fields"]


def test_threads_read_at_once_each_with_its_corrections(labelled_warehouse: Path) -> None:
    snapshot = snapshot_path(labelled_warehouse)
    pmids = [a.pmid for a in seed_articles() if a.drug == "ketamine"][:6]
    values = ["esketamine", "arketamine", None]
    seen: dict[tuple[str, str | None], set] = {}
    failures: list[BaseException] = []

    def reader(pmid: str, value: str | None) -> None:
        pending = [drug_correction(pmid, value)] if value else []
        try:
            for _ in range(5):
                (row,) = study(snapshot, pmid, pending)
                seen.setdefault((pmid, value), set()).add(row["drug"])
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=reader, args=(p, v)) for p in pmids for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert seen == {(p, v): {v or "ketamine"} for p in pmids for v in values}


def test_closing_waits_for_a_read_under_way(labelled_warehouse: Path) -> None:
    reader = SnapshotReader(snapshot_path(labelled_warehouse), None)
    pmid = seed_articles()[0].pmid
    closed = threading.Event()
    with reader.session() as wh:
        closer = threading.Thread(target=lambda: (reader.close(), closed.set()))
        closer.start()
        assert not closed.wait(0.3)  # still open: the read below must finish
        assert len(wh.query_frame("dash_study", {"pmid": pmid})) == 1
    closer.join()
    assert closed.is_set() and reader.closed
