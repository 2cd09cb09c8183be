"""The DuckDB warehouse: schema, upserts, retirement, retractions, failures, crashes, snapshots.

Every test builds a real DuckDB file under tmp_path; records come from our own parser over
real PubMed XML, or are whole Article records built field by field.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.article import AbstractSection, Article, Quarantined
from pubmed.parser import iter_records
from warehouse.base import ARTICLE_COLUMNS, BOOKKEEPING_COLUMNS, COUNTABLE, RUN_COUNTS, RUN_STATS
from warehouse.db import LoadCounts, RawBatch, RunLoad, Warehouse, snapshot_path

PROJECT = Path(__file__).resolve().parent.parent
KETAMINE_XML = PROJECT / "data" / "ketamine" / "ketamine-records.xml"
WINDOW_END = date(2024, 1, 31)


@pytest.fixture(scope="session")
def real_articles() -> list[Article]:
    """The bundled real ketamine records, parsed by our own parser."""
    with KETAMINE_XML.open("rb") as stream:
        records = [r for r in iter_records(stream) if isinstance(r, Article)]
    assert len(records) > 50
    return sorted(records, key=_pmid_order)


@pytest.fixture
def wh(tmp_path: Path):
    with Warehouse.open(tmp_path / "nested" / "evidence.duckdb") as warehouse:
        yield warehouse


def full_article(pmid: str = "900001", **changes: Any) -> Article:
    """An Article with every field set to a non-default value."""
    article = Article(
        pmid=pmid,
        title="Esketamine nasal spray in treatment-resistant depression – a trial (ü)",
        abstract="BACKGROUND: Few options.\nRESULTS: Remission rose.",
        abstract_sections=(
            AbstractSection(label="BACKGROUND", category="BACKGROUND", text="Few options."),
            AbstractSection(label=None, category=None, text="Remission rose."),
        ),
        journal="The American journal of psychiatry",
        journal_abbrev="Am J Psychiatry",
        volume="176",
        issue="6",
        pages="428-438",
        year=2019,
        pub_date="2019 Jun 01",
        doi="10.1176/appi.ajp.2019.19020172",
        pmc="PMC1234567",
        authors=("Popova V", "Daly EJ"),
        mesh=("Ketamine", "Humans"),
        mesh_major=("Ketamine",),
        publication_types=("Journal Article", "Randomized Controlled Trial"),
        keywords=("esketamine",),
        language="eng",
        status="MEDLINE",
        entry_date=date(2019, 5, 22),
        created_date=date(2019, 5, 21),
        revised_date=date(2021, 3, 2),
        is_book=True,
        retracted=True,
        retraction_notices=("900002",),
        concern=True,
        concern_notices=("900003",),
        retraction_of=("800001",),
        concern_for=("800002",),
        conditions=("depression",),
        outcomes=("efficacy", "durability"),
        finding="positive",
        design="rct",
        drug="esketamine",
        routes=("intranasal",),
        sample_size=227,
        key_finding="Esketamine plus an oral antidepressant improved depression at day 28.",
        confidence=(("design", 0.93), ("finding", 0.8125)),
        model_version="2026.11.1",
    )
    return dataclasses.replace(article, **changes)


def plain(pmid: str, **changes: Any) -> Article:
    """A small unlabelled record."""
    fields = {"title": f"Record {pmid}", "revised_date": date(2022, 1, 1), **changes}
    return Article(pmid=pmid, **fields)


def load(wh: Warehouse, articles=(), *, window_end: date = WINDOW_END, **kw: Any) -> LoadCounts:
    run_id = wh.start_run(window_start=date(2024, 1, 1), window_end=window_end, flow_run_id="f")
    return wh.load_run(run_id, RunLoad(articles=articles, window_end=window_end, **kw))


def counts(c: LoadCounts) -> dict[str, int]:
    """The counts of a load without its timing."""
    return {k: v for k, v in dataclasses.asdict(c).items() if k != "seconds"}


def state(wh: Warehouse) -> dict[str, Any]:
    """Everything a load may change, except the run rows."""
    return {
        "articles": wh.articles(),
        "rows": wh.query("SELECT * FROM articles ORDER BY pmid"),
        "matches": wh.query("SELECT * FROM query_matches ORDER BY ALL"),
        "quarantine": wh.query("SELECT * FROM quarantine ORDER BY ALL"),
        "batches": wh.query("SELECT run_id, batch_no, sha256 FROM raw.efetch_batches ORDER BY ALL"),
        "watermark": wh.query("SELECT * FROM watermark"),
        "counts": {
            name: wh.count(name) for name in sorted(COUNTABLE - {"runs", "marts.runs_recent"})
        },
    }


def _pmid_order(article: Article) -> tuple[int, str]:
    return len(article.pmid), article.pmid


# --- schema ---------------------------------------------------------------------------------


def test_articles_columns_are_the_article_fields_then_the_bookkeeping(wh: Warehouse):
    fields = [f.name for f in dataclasses.fields(Article)]
    assert wh.columns("articles") == fields + list(BOOKKEEPING_COLUMNS)
    assert wh.columns("staging.article_records") == fields == list(ARTICLE_COLUMNS)
    assert wh.columns("runs")[-len(RUN_COLUMNS) :] == list(RUN_COLUMNS)
    assert tuple(f.name for f in dataclasses.fields(LoadCounts))[:-1] == RUN_COUNTS
    assert wh.query("SELECT pmid FROM marts.articles_current") == []


RUN_COLUMNS = (*RUN_STATS, *RUN_COUNTS, "error", "seconds", "load_seconds")


def test_a_file_whose_articles_table_is_out_of_date_is_refused(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE articles (pmid VARCHAR PRIMARY KEY, title VARCHAR)")
    with pytest.raises(RuntimeError, match="does not match the Article record"):
        Warehouse.open(path)


def test_opening_again_keeps_data_and_every_relation_exists(tmp_path: Path):
    path = tmp_path / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        load(wh, [plain("1")])
    with Warehouse.open(path) as wh:
        assert {name: wh.count(name) for name in ("articles", "runs", "watermark")} == {
            "articles": 1,
            "runs": 1,
            "watermark": 1,
        }
        assert all(wh.count(name) >= 0 for name in COUNTABLE)
        version = wh.query(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE NOT internal"
        )
    assert version == [("v1.0.0+",)]


# --- round trip and upserts -----------------------------------------------------------------


def test_whole_records_read_back_exactly(tmp_path: Path, real_articles: list[Article]):
    mine = [full_article(), full_article("900004", confidence=(), abstract_sections=())]
    path = tmp_path / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        result = load(wh, real_articles + mine)
        assert result.inserted == len(real_articles) + 2
        assert wh.articles() == sorted(real_articles + mine, key=_pmid_order)
        assert wh.articles(["900004", "900001", "404"]) == [mine[0], mine[1]]
    with Warehouse.open(path, read_only=True) as reader:
        assert reader.articles() == sorted(real_articles + mine, key=_pmid_order)


def test_a_newer_or_equal_revision_replaces_an_older_one_never(wh: Warehouse):
    v1 = full_article(revised_date=date(2021, 1, 1), title="first")
    v2 = dataclasses.replace(v1, revised_date=date(2022, 1, 1), title="second")
    v2_again = dataclasses.replace(v2, title="second, same day")
    old = dataclasses.replace(v1, revised_date=date(2020, 1, 1), title="older")
    undated = dataclasses.replace(v1, revised_date=None, title="no date")
    assert load(wh, [v1]).inserted == 1
    assert counts(load(wh, [v2])) == {**counts(LoadCounts()), "updated": 1}
    assert counts(load(wh, [old])) == {**counts(LoadCounts()), "stale": 1}
    assert wh.articles() == [v2]
    assert load(wh, [v2_again]).updated == 1
    assert load(wh, [undated]).updated == 1
    assert wh.articles() == [undated]


def test_reloading_the_same_run_changes_nothing(wh: Warehouse, real_articles: list[Article]):
    run = {
        "articles": real_articles,
        "matches": {"depression": [a.pmid for a in real_articles[:40]], "ptsd": ["1", "2"]},
        "stats": {"requests": 7, "searched": 101, "fetched": 101},
    }
    first = load(wh, **run)
    before = state(wh)
    again = load(wh, **run)
    assert counts(first)["inserted"] == counts(again)["unchanged"] == len(real_articles)
    assert counts(again) == {**counts(LoadCounts()), "unchanged": len(real_articles)}
    after = state(wh)
    assert after["articles"] == before["articles"]
    assert after["counts"] == before["counts"]
    assert wh.count("query_matches") == 42
    runs = wh.runs()
    assert [r["status"] for r in runs] == ["completed", "completed"]
    expected = {"flow_run_id": "f", "requests": 7, "searched": 101, "fetched": 101}
    expected |= {"inserted": 0, "updated": 0, "unchanged": len(real_articles), "error": None}
    assert {key: runs[1][key] for key in expected} == expected


def test_unlabelled_revision_keeps_stored_labels_labelled_one_replaces(wh: Warehouse):
    labelled = full_article(revised_date=date(2021, 1, 1))
    unlabelled = dataclasses.replace(
        labelled,
        revised_date=date(2022, 1, 1),
        title="revised",
        conditions=(),
        outcomes=(),
        finding=None,
        design=None,
        drug=None,
        routes=(),
        sample_size=None,
        key_finding=None,
        confidence=(),
        model_version=None,
    )
    load(wh, [labelled])
    assert load(wh, [unlabelled]).updated == 1
    kept = dataclasses.replace(labelled, revised_date=date(2022, 1, 1), title="revised")
    assert wh.articles() == [kept]
    relabelled = dataclasses.replace(kept, finding="mixed", model_version="2027.1.1")
    assert load(wh, [relabelled]).updated == 1
    assert wh.articles() == [relabelled]


def test_same_pmid_twice_in_one_load_folds_as_two_loads_would(wh: Warehouse):
    early = plain("7", title="early", revised_date=date(2022, 1, 1))
    late = plain("7", title="late", revised_date=date(2022, 1, 1))
    older = plain("7", title="older", revised_date=date(2021, 1, 1))
    assert counts(load(wh, [early, late, older])) == {**counts(LoadCounts()), "inserted": 1}
    assert [a.title for a in wh.articles()] == ["late"]


# --- retirement and retractions -------------------------------------------------------------


def test_deletion_retires_the_row_and_a_return_unretires_it(wh: Warehouse):
    load(wh, [plain("1"), plain("2")])
    retired = load(wh, deletions=["2", "404"])
    assert retired.deleted == 1
    run_id = wh.runs()[-1]["run_id"]
    assert [a.deleted for a in wh.articles()] == [False, True]
    assert wh.query("SELECT pmid, deleted_run FROM articles WHERE deleted") == [("2", run_id)]
    assert wh.query("SELECT pmid FROM marts.articles_current") == [("1",)]
    assert load(wh, deletions=["2"]).deleted == 0
    back = load(wh, [plain("2", title="back")])
    assert (back.updated, wh.articles(["2"])) == (1, [plain("2", title="back")])
    assert wh.query("SELECT deleted_run, deleted_at FROM articles WHERE pmid = '2'") == [
        (None, None)
    ]


def test_a_deletion_in_the_same_run_as_the_record_wins(wh: Warehouse):
    both = load(wh, [plain("5"), plain("6", deleted=True)], deletions=["5"])
    assert (both.inserted, both.deleted) == (2, 2)
    assert [a.deleted for a in wh.articles()] == [True, True]


def test_retraction_and_concern_notices_flag_their_targets(wh: Warehouse):
    load(wh, [plain("10"), plain("11")])
    notice = plain("20", retraction_of=("10",), publication_types=("Retraction of Publication",))
    concern = plain("21", concern_for=("10", "11"))
    flagged = load(wh, [notice, concern])
    assert flagged.retracted_flagged == 2
    ten, eleven = wh.articles(["10", "11"])
    assert (ten.retracted, ten.retraction_notices, ten.concern, ten.concern_notices) == (
        True,
        ("20",),
        True,
        ("21",),
    )
    assert (eleven.retracted, eleven.concern, eleven.concern_notices) == (False, True, ("21",))
    assert load(wh, [notice, concern]).retracted_flagged == 0
    # The target re-fetched before PubMed marked it: the flag stays.
    load(wh, [plain("10", title="revised", revised_date=date(2023, 1, 1))])
    assert wh.articles(["10"])[0].retraction_notices == ("20",)


def test_a_notice_that_arrives_first_flags_its_target_on_arrival(wh: Warehouse):
    load(wh, [plain("30", retraction_of=("31",))])
    arrival = load(wh, [plain("31")])
    assert (arrival.inserted, arrival.retracted_flagged) == (1, 1)
    assert wh.articles(["31"])[0].retracted is True


def test_a_record_that_says_it_is_retracted_is_stored_so(wh: Warehouse):
    load(wh, [plain("40")])
    own = plain("40", retracted=True, retraction_notices=("41",), revised_date=date(2023, 1, 1))
    assert load(wh, [own]).retracted_flagged == 1
    assert wh.articles(["40"]) == [own]
    assert wh.query("SELECT retracted FROM marts.articles_current") == [(True,)]


# --- provenance -----------------------------------------------------------------------------


def test_raw_batches_quarantine_matches_and_watermark_are_kept(wh: Warehouse):
    body = b'<?xml version="1.0"?><PubmedArticleSet>' + b"<x/>" * 1000 + b"</PubmedArticleSet>"
    fetched_at = datetime(2024, 1, 31, 23, 0, tzinfo=UTC)
    batches = [
        RawBatch(0, ("1", "2"), body, fetched_at),
        RawBatch(1, ("3",), gzip.compress(body), fetched_at),
    ]
    bad = Quarantined(reason="no PMID", pmid=None, raw=b"<PubmedArticle/>")
    result = load(wh, [plain("1")], batches=batches, quarantined=[bad], matches={"ptsd": ["1"]})
    assert result.quarantined == 1
    stored = wh.query("SELECT batch_no, pmids, body, sha256, fetched_at FROM raw.efetch_batches")
    assert [(n, p, gzip.decompress(b), s, t) for n, p, b, s, t in stored] == [
        (n, list(p), body, hashlib.sha256(body).hexdigest(), datetime(2024, 1, 31, 23, 0))
        for n, p in ((0, ("1", "2")), (1, ("3",)))
    ]
    assert wh.query("SELECT pmid, reason, raw, source FROM quarantine") == [
        (None, "no PMID", b"<PubmedArticle/>", "efetch")
    ]
    assert wh.query("SELECT pmid, reason FROM marts.quarantine_recent") == [(None, "no PMID")]
    first = wh.runs()[0]["run_id"]
    load(wh, matches={"ptsd": ["1"], "anxiety": ["1"]}, window_end=date(2023, 12, 1))
    last = wh.runs()[-1]["run_id"]
    assert wh.query("SELECT * FROM query_matches ORDER BY topic") == [
        ("1", "anxiety", last, last),
        ("1", "ptsd", first, last),
    ]
    assert wh.watermark() == WINDOW_END  # a backfill of an older window never moves it back
    assert wh.query("SELECT * FROM marts.topic_counts_by_year") == [
        ("anxiety", None, 1),
        ("ptsd", None, 1),
    ]


def test_articles_current_applies_the_latest_reviewer_correction(tmp_path: Path):
    path = tmp_path / "evidence.duckdb"
    with Warehouse.open(path) as wh:
        load(wh, [full_article()])
    corrections = [
        ("finding", '"mixed"', "2026-01-01"),
        ("finding", '"negative"', "2026-02-01"),
        ("conditions", '["depression", "anxiety"]', "2026-01-01"),
        ("sample_size", "null", "2026-01-01"),
    ]
    with duckdb.connect(str(path)) as con:
        con.executemany(
            "INSERT INTO label_corrections (pmid, field, new_value, reviewer, corrected_at) "
            "VALUES ('900001', ?, ?, 'md', ?)",
            corrections,
        )
    with Warehouse.open(path) as wh:
        load(wh, [full_article(finding="positive", revised_date=date(2025, 1, 1))])
        current = wh.query(
            "SELECT finding, conditions, sample_size, design, corrected_fields "
            "FROM marts.articles_current"
        )
        assert current == [
            (
                "negative",
                ["depression", "anxiety"],
                None,
                "rct",
                ["conditions", "finding", "sample_size"],
            )
        ]
        assert wh.articles()[0].finding == "positive"  # the model's label is kept as it was
        assert wh.count("label_corrections") == 4


# --- failures -------------------------------------------------------------------------------


def test_a_failed_load_leaves_everything_as_it_was(wh: Warehouse, real_articles: list[Article]):
    load(wh, real_articles[:50], matches={"depression": ["1"]})
    before = state(wh)
    run_id = wh.start_run(
        window_start=date(2024, 2, 1), window_end=date(2024, 2, 29), flow_run_id=None
    )
    broken = RunLoad(
        articles=[dataclasses.replace(a, title="changed") for a in real_articles],
        deletions=[real_articles[0].pmid],
        quarantined=[Quarantined(reason="", pmid="5")],  # an empty reason violates a CHECK
        batches=[RawBatch(0, ("5",), b"<x/>", datetime(2024, 2, 1))],
        matches={"anxiety": ["5"]},
        window_end=date(2024, 2, 29),
    )
    with pytest.raises(duckdb.ConstraintException):
        wh.load_run(run_id, broken)
    assert state(wh) == before
    wh.fail_run(run_id, "ConstraintException: reason", {"requests": 3})
    failed = wh.runs()[-1]
    assert (failed["status"], failed["error"], failed["requests"]) == (
        "failed",
        "ConstraintException: reason",
        3,
    )
    assert state(wh) == before
    fixed = dataclasses.replace(broken, quarantined=[Quarantined(reason="not returned", pmid="5")])
    assert wh.load_run(run_id, fixed).updated == len(real_articles[:50])  # a retry may finish it
    assert wh.runs()[-1]["status"] == "completed"
    with pytest.raises(LookupError):
        wh.load_run(run_id, fixed)
    with pytest.raises(LookupError):
        wh.fail_run("no-such-run", "boom")


def test_queries_are_read_only_and_counts_whitelisted(wh: Warehouse):
    with pytest.raises(ValueError):
        wh.query("DELETE FROM articles")
    with pytest.raises(ValueError):
        wh.query("SELECT 1; DROP TABLE articles")
    with pytest.raises(ValueError):
        wh.count("articles; DROP TABLE articles")
    with pytest.raises(ValueError):
        load(wh, stats={"request": 1})
    assert wh.query("watermark", {"name": "pubmed"}) == []
    assert wh.watermark() is None


# --- crashes and concurrent readers ---------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import gzip, logging, os, sys
    from datetime import date, datetime
    from core.article import Article
    from warehouse.db import RawBatch, RunLoad, Warehouse

    class Announce(logging.Handler):
        def emit(self, record):
            print(record.getMessage(), flush=True)

    logger = logging.getLogger("warehouse")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Announce())
    path, n = sys.argv[1], int(sys.argv[2])
    articles = [
        Article(pmid=str(5_000_000 + i), title=f"Record {i}", abstract="ketamine " * 150,
                authors=("Author A",) * 6, mesh=("Ketamine", "Humans"),
                revised_date=date(2024, 1, 1))
        for i in range(n)
    ]
    # 80 MB that stays 80 MB (stored gzip blocks, cheap to make): a long commit to kill.
    noise = [gzip.compress(os.urandom(4_000_000), compresslevel=0) for _ in range(20)]
    batches = [RawBatch(i, (), body, datetime(2024, 2, 1)) for i, body in enumerate(noise)]
    with Warehouse.open(path) as wh:
        run_id = wh.start_run(window_start=date(2024, 2, 1), window_end=date(2024, 2, 29),
                              flow_run_id=None)
        wh.load_run(run_id, RunLoad(articles=articles, batches=batches,
                                    matches={"depression": [a.pmid for a in articles]},
                                    window_end=date(2024, 2, 29)))
    print("done", flush=True)
    """
)
BIG_LOAD = 20_000


def _load_in_child(tmp_path: Path, db: Path, kill_after: str, delay: float = 0.0) -> int:
    """Run a big load in a child process; SIGKILL it `delay` s after it logs `kill_after`."""
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    child = subprocess.Popen(
        [sys.executable, str(script), str(db), str(BIG_LOAD)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env=env,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.rstrip().endswith(kill_after):
            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)  # safe if it has exited: it is not reaped yet
            break
    child.stdout.close()
    return child.wait(timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", ["transaction begun", "articles merged"])
def test_a_load_killed_mid_transaction_leaves_the_previous_state(
    tmp_path: Path, real_articles: list[Article], kill_after: str
):
    db = tmp_path / "evidence.duckdb"
    with Warehouse.open(db) as wh:
        load(wh, real_articles[:20])
        before = state(wh)
    assert _load_in_child(tmp_path, db, kill_after) == -signal.SIGKILL
    with Warehouse.open(db) as wh:
        assert state(wh) == before
        assert [r["status"] for r in wh.runs()] == ["completed", "running"]
        assert load(wh, real_articles[20:30]).inserted == 10  # and the file takes new loads
    with Warehouse.open(db, read_only=True) as reader:
        assert reader.count("articles") == 30


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])  # the commit writes ~110 MB of WAL, then
def test_a_load_killed_while_committing_is_all_or_nothing(  # checkpoints: kill in either
    tmp_path: Path, real_articles: list[Article], delay: float
):
    db = tmp_path / "evidence.duckdb"
    with Warehouse.open(db) as wh:
        load(wh, real_articles[:20])
        before = state(wh)
    code = _load_in_child(tmp_path, db, "committing", delay)
    with Warehouse.open(db) as wh:
        status = wh.runs()[-1]["status"]
        if status == "running":  # killed before the commit was durable
            assert code == -signal.SIGKILL
            assert state(wh) == before
        else:
            assert status == "completed"
            assert (wh.count("articles"), wh.count("raw.efetch_batches")) == (20 + BIG_LOAD, 20)
            assert wh.watermark() == date(2024, 2, 29)


READER = textwrap.dedent(
    """
    import json, sys
    import duckdb
    from warehouse.db import Warehouse
    with Warehouse.open(sys.argv[1], read_only=True) as wh:
        out = {"articles": wh.count("articles"), "current": wh.count("marts.articles_current"),
               "version": wh.query("SELECT tags['storage_version'] FROM duckdb_databases() "
                                   "WHERE NOT internal")[0][0]}
    try:
        duckdb.connect(sys.argv[2], read_only=True).close()
        out["live"] = "opened"
    except duckdb.IOException:
        out["live"] = "locked"
    print(json.dumps(out))
    """
)


def _read_in_child(snapshot: Path, live: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(
        [sys.executable, "-c", READER, str(snapshot), str(live)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def test_snapshot_is_readable_by_another_process_while_the_writer_is_open(
    tmp_path: Path, real_articles: list[Article]
):
    db = tmp_path / "evidence.duckdb"
    with Warehouse.open(db) as wh:
        load(wh, real_articles[:10])
        published = wh.publish_snapshot()
        assert published == snapshot_path(db) == tmp_path / "evidence.snapshot.duckdb"
        assert _read_in_child(published, db) == {
            "articles": 10,
            "current": 10,
            "version": "v1.0.0+",
            "live": "locked",
        }
        load(wh, real_articles[10:25])
        wh.publish_snapshot()
        assert _read_in_child(published, db)["articles"] == 25
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evidence.duckdb",
        "evidence.snapshot.duckdb",
    ]
