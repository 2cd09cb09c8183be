"""Retraining as the weekly deployment and `ketamine-evidence train` run it.

The warehouse adds its records and the reviewers' corrections to the repository's data; the
new version and its report are stored in `model_versions`, and the models saved with skops.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.article import Article
from labels.corpus import Corpus
from labels.corrections import new_correction
from labels.evaluation import format_training_report
from labels.model import DEFAULT_MODEL_PATH, load_models
from labels.retrain import combine_training_inputs, relabel_warehouse
from labels.training import TrainingInputs
from pipelines.cli import main as cli_main
from pubmed.parser import iter_records
from warehouse.db import RunLoad, Warehouse
from warehouse.inbox import save_correction

REPO = Path(__file__).resolve().parents[1]
KETAMINE_XML = REPO / "data" / "ketamine" / "ketamine-records.xml"
MODELS = REPO / "models"


def _ketamine_articles() -> list[Article]:
    with KETAMINE_XML.open("rb") as stream:
        return [r for r in iter_records(stream) if isinstance(r, Article)]


def test_warehouse_records_replace_older_copies_and_retired_ones_are_left_out() -> None:
    records = _ketamine_articles()
    old, other, gone = records[0], records[1], records[2]
    newer = Article(pmid=old.pmid, title="Revised title", abstract="Revised abstract.")
    retired = Article(pmid=gone.pmid, title=gone.title, abstract=gone.abstract, deleted=True)
    inputs = combine_training_inputs(
        TrainingInputs(Corpus([], [], []), [old, other]),
        warehouse_articles=[newer, retired],
        corrections=[(old.pmid, "design", "rct")],
    )
    by_pmid = {a.pmid: a for a in inputs.distant}
    assert by_pmid[old.pmid].title == "Revised title"
    assert other.pmid in by_pmid and gone.pmid not in by_pmid
    assert [(c.pmid, c.field, c.value) for c in inputs.corrections] == [(old.pmid, "design", "rct")]


def test_report_text_shows_the_frozen_split_its_movement_and_calibration() -> None:
    report = json.loads((MODELS / "training-report.json").read_text())
    previous = json.loads((MODELS / "previous-report.json").read_text())
    assert previous["model_version"] != report["model_version"]
    text = format_training_report(report, previous)
    lines = text.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("Frozen test split: 600 records")))
    goals = report["frozen_split"]["with_indexing"]["goals"]
    before = previous["frozen_split"]["with_indexing"]["goals"]
    for name, goal in goals.items():
        row = next(x for x in lines[start:] if x.split()[:1] == [name])
        change = f"{goal['value'] - before[name]['value']:+.3f}" if name in before else "—"
        assert row.split()[2] == f"{goal['value']:.3f}" and row.split()[-1] == change
        assert ("yes" if goal["met"] else "no") in row.split()
    design = report["frozen_split"]["with_indexing"]["design"]["confusion_matrix"]
    counts = design["rows_gold_cols_predicted"][design["labels"].index("rct")]
    matrix = lines.index(next(x for x in lines if x.startswith("design: per class")))
    rct_row = next(x for x in lines[matrix + 12 :] if x.split()[:1] == ["rct"])
    assert rct_row.split()[1:] == [str(c) for c in counts]
    assert "Brier" in text and "Needs review" in text and "5 folds" in text


@pytest.mark.slow
def test_train_command_learns_from_the_warehouse_and_records_the_version(
    tmp_path: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "evidence.duckdb"
    records = _ketamine_articles()
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(
            window_start=date(2020, 1, 1), window_end=date(2021, 12, 31), flow_run_id=None
        )
        wh.load_run(run_id, RunLoad(articles=records, window_end=date(2021, 12, 31)))
    target = next(a for a in records if a.abstract)
    correction = new_correction(
        pmid=target.pmid,
        field="design",
        value="case_report",
        current=target.design,
        reviewer="Dr. Reviewer",
        reason="one patient described",
    )
    save_correction(db, correction.row())  # pending in the dashboard's file, as the app leaves it

    out = tmp_path / "models"
    assert cli_main(["train", "--db", str(db), "--out", str(out), "--no-cv"]) == 0
    printed = capsys.readouterr().out

    trained = load_models(out / "classifier.skops")
    shipped = load_models(DEFAULT_MODEL_PATH)
    assert trained.version != shipped.version  # the warehouse's records and correction count
    assert f"Model version {trained.version}" in printed
    assert "stored in the warehouse" in printed
    assert (out / "training-report.json").exists()
    assert "Frozen test split: 600 records never trained or tuned on" in printed
    with Warehouse.open(db, read_only=True) as wh:
        stored = wh.model_version_report(trained.version)
        # the pending correction was merged, and training read it
        assert wh.training_corrections() == [(target.pmid, "design", "case_report")]
    assert stored is not None
    assert stored["report"]["data"]["labelled"] == 6459
    assert stored["report"]["data"]["corrections"] == 1
    assert stored["report"]["model_version"] == trained.version


def test_relabelling_brings_stored_records_to_the_new_model_and_keeps_corrections(
    tmp_path: Path,
) -> None:
    db = tmp_path / "evidence.duckdb"
    records = _ketamine_articles()  # as parsed: no labels, no model version
    with Warehouse.open(db) as wh:
        run_id = wh.start_run(
            window_start=date(2020, 1, 1), window_end=date(2021, 12, 31), flow_run_id=None
        )
        wh.load_run(run_id, RunLoad(articles=records, window_end=date(2021, 12, 31)))
        target = records[0]
        wh.merge_corrections(
            [
                new_correction(
                    pmid=target.pmid,
                    field="design",
                    value="case_report",
                    current=None,
                    reviewer="Dr. Reviewer",
                    reason="one patient",
                ).row()
            ]
        )
    models = load_models(DEFAULT_MODEL_PATH)
    assert relabel_warehouse(db, models) == len(records)
    assert relabel_warehouse(db, models) == 0, "nothing is stale any more"
    expected = {a.pmid: a for a in models.predict(records)}
    with Warehouse.open(db, read_only=True) as wh:
        stored = {a.pmid: a for a in wh.articles()}
        (design,) = wh.query(
            "SELECT design FROM marts.articles_current WHERE pmid = ?", [target.pmid]
        )[0]
    for pmid, article in stored.items():
        assert article.model_version == models.version
        assert (article.design, article.conditions, article.finding) == (
            expected[pmid].design,
            expected[pmid].conditions,
            expected[pmid].finding,
        )
        assert article.title == next(r.title for r in records if r.pmid == pmid)
    assert design == "case_report", "the reviewer's label still wins"
