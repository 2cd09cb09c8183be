"""``retractions import``: the Retraction Watch export loaded offline into a real warehouse,
matched to stored studies by PMID or DOI, and counted as retracted for the claims' evidence.

The studies are real NLM records (tests/data/retractions/README.md). Two are stored as PubMed
held them before it linked their retraction notices (the ``RetractionIn`` link and the
``Retracted Publication`` type taken out): the case Retraction Watch exists for.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.article import Article
from pubmed.parser import parse_bytes
from warehouse.db import RunLoad, Warehouse
from warehouse.retractions import CSV_COLUMNS, RetractionWatchError, read_retraction_watch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "retractions"
CSV = DATA / "retraction-watch.csv"
BEFORE_NOTICE = ("31031480", "32743968")  # stored as PubMed held them before the notice


def _before_notice(xml: bytes, pmids: tuple[str, ...]) -> list[Article]:
    """The records, those in pmids without PubMed's retraction link and publication type."""
    out = []
    for record in parse_bytes(xml):
        assert isinstance(record, Article)
        out.append(record)
    chunks = re.split(rb"(?=<PubmedArticle>)", xml)
    for i, article in enumerate(out):
        if article.pmid in pmids:
            chunk = next(c for c in chunks if f">{article.pmid}</PMID>".encode() in c)
            chunk = re.sub(rb'\s*<CommentsCorrections RefType="RetractionIn">.*?'
                           rb"</CommentsCorrections>", b"", chunk, flags=re.S)  # fmt: skip
            chunk = re.sub(rb"\s*<PublicationType [^>]*>Retracted Publication</PublicationType>",
                           b"", chunk)  # fmt: skip
            (earlier,) = parse_bytes(xml[: xml.index(b"<PubmedArticle>")] + chunk.strip()
                                     + b"</PubmedArticleSet>")  # fmt: skip
            assert isinstance(earlier, Article) and not earlier.retracted
            out[i] = earlier
    return out


def _load(db: Path, articles: list[Article]) -> None:
    with Warehouse.open(db) as wh:
        run = wh.start_run(
            window_start=date(2021, 6, 1), window_end=date(2021, 6, 7), flow_run_id="t"
        )
        wh.load_run(run, RunLoad(articles=articles, window_end=date(2021, 6, 7)))


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Stored: 27602157 as PubMed marks it, 31031480 and 32743968 before their notices, and
    21388667 (an erratum, no retraction); 33104149 is not stored."""
    originals = _before_notice((DATA / "originals.xml").read_bytes(), BEFORE_NOTICE)
    db = tmp_path / "evidence.duckdb"
    _load(db, [a for a in originals if a.pmid != "33104149"])
    return db


def _import(*args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"}
    command = [sys.executable, "-m", "pipelines", "retractions", "import", *args]
    if db is not None:
        command += ["--db", str(db)]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def _retracted(db: Path) -> dict[str, tuple[bool, bool, bool]]:
    with Warehouse.open(db, read_only=True) as wh:
        rows = wh.query(
            "SELECT a.pmid, r.retracted_in_pubmed, r.retracted_in_watch, a.retracted "
            "FROM marts.articles_current AS a JOIN staging.article_retractions AS r USING (pmid)"
        )
    return {pmid: (pubmed, watch, either) for pmid, pubmed, watch, either in rows}


def test_the_csv_is_built_from_the_real_notices() -> None:
    notices = {a.pmid: a for a in parse_bytes((DATA / "notices.xml").read_bytes())}
    originals = {a.pmid: a for a in parse_bytes((DATA / "originals.xml").read_bytes())}
    rows = list(csv.DictReader(CSV.open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    for row in rows:
        notice = notices[row["RetractionPubMedID"]]
        assert isinstance(notice, Article) and notice.doi == row["RetractionDOI"]
        kind = "RetractionOf" if row["RetractionNature"] == "Retraction" else "ErratumFor"
        (target,) = [c.pmid for c in notice.comments_corrections if c.type == kind]
        original = originals[target]
        assert isinstance(original, Article)
        assert row["OriginalPaperDOI"].lower() == (original.doi or "").lower()
        assert row["OriginalPaperPubMedID"] in (target, "0")


def test_import_flags_the_studies_pubmed_has_not_marked(warehouse: Path) -> None:
    assert _retracted(warehouse)["31031480"] == (False, False, False)
    done = _import(str(CSV), db=warehouse)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Imported 5 Retraction Watch records from {CSV}: 5 new, 0 updated (the warehouse "
        "holds 5).",
        "Retraction Watch records 3 stored studies as retracted; PubMed marks 1 of them too.",
        "Flagged 2 stored studies PubMed has not marked as retracted:",
        "  PMID 31031480: Retraction Watch record 2, retracted 2021-06-07, notice PMID 34092875, "
        "matched by PMID: Evaluation of Ultrasound-Guided Erector Spinae Plane Block and Oblique "
        "Subcostal Transversus Abdominis Plane Block in Laparoscopic Cholecystectomy: "
        "Randomized, Controlled, Prospective Study.",
        "  PMID 32743968: Retraction Watch record 3, retracted 2021-06-07, notice PMID 34097317, "
        "matched by DOI: Crestal Bone Changes and Patient Satisfaction with Single "
        "Implant-Retained Mandibular Overdentures with Dalla Bona and Locator Attachments with "
        "Immediate Loading Protocols. A Randomized Controlled Clinical Study.",
        "They count as retracted in the claims' evidence and on the dashboards now; stored "
        "claim support follows at the next claims run.",
    ]
    assert _retracted(warehouse) == {
        "27602157": (True, True, True),  # PubMed's word and Retraction Watch's
        "31031480": (False, True, True),
        "32743968": (False, True, True),
        "21388667": (False, False, False),  # a correction is not a retraction
    }


def test_the_claims_evidence_reads_the_combined_flag(warehouse: Path) -> None:
    """marts.claim_evidence takes `retracted` from marts.articles_current, which reads
    staging.article_retractions: the published snapshot carries it too."""
    assert _import(str(CSV), db=warehouse).returncode == 0
    snapshot = warehouse.with_name("evidence.snapshot.duckdb")
    with Warehouse.open(snapshot, read_only=True) as wh:
        rows = wh.query("SELECT pmid FROM marts.articles_current WHERE retracted ORDER BY pmid")
        sql = wh.query(
            "SELECT sql FROM duckdb_views() WHERE schema_name = 'marts' "
            "AND view_name = 'claim_evidence'"
        )
    assert rows == [("27602157",), ("31031480",), ("32743968",)]
    assert "marts.articles_current" in sql[0][0]


def test_importing_again_updates_in_place_and_a_partial_file_drops_nothing(
    warehouse: Path, tmp_path: Path
) -> None:
    assert _import(str(CSV), db=warehouse).returncode == 0
    again = _import(str(CSV), db=warehouse)
    assert again.stdout.startswith(
        f"Imported 5 Retraction Watch records from {CSV}: 0 new, 5 updated (the warehouse holds 5)."
    )
    partial = tmp_path / "partial.csv"
    lines = CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    partial.write_text(lines[0] + lines[1], encoding="utf-8")
    done = _import(str(partial), db=warehouse)
    assert "0 new, 1 updated (the warehouse holds 5)" in done.stdout
    assert "Flagged 2 stored studies" in done.stdout


def test_once_pubmed_links_the_notice_the_study_is_no_longer_news(warehouse: Path) -> None:
    assert _import(str(CSV), db=warehouse).returncode == 0
    notices = [a for a in parse_bytes((DATA / "notices.xml").read_bytes()) if a.pmid == "34092875"]
    _load(warehouse, notices)  # the nightly job fetches the notice: PubMed now marks 31031480
    assert _retracted(warehouse)["31031480"] == (True, True, True)
    with Warehouse.open(warehouse) as wh:
        assert [f.pmid for f in wh.retraction_watch_flags()] == ["32743968"]


def _csv(rows: list[list[str]], header: tuple[str, ...] = CSV_COLUMNS) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _row(**cells: str) -> list[str]:
    values = dict.fromkeys(CSV_COLUMNS, "")
    values.update({"Record ID": "7", "RetractionNature": "Retraction"})
    values.update({k.replace("_", " ") if k == "Record_ID" else k: v for k, v in cells.items()})
    return [values[c] for c in CSV_COLUMNS]


def test_cells_are_typed_as_the_export_writes_them() -> None:
    text = _csv([_row(RetractionDate="4/22/2021 0:00", OriginalPaperDate="2019-01-05",
                      OriginalPaperPubMedID="0", RetractionPubMedID="34092875",
                      OriginalPaperDOI="https://doi.org/10.1111/JOPR.13230",
                      RetractionDOI="unavailable", Title="  A title  ")])  # fmt: skip
    (record,) = read_retraction_watch(io.StringIO(text))
    assert (record.record_id, record.retraction_date, record.original_paper_date) == (
        7,
        date(2021, 4, 22),
        date(2019, 1, 5),
    )
    assert (record.original_paper_pmid, record.retraction_pmid) == (None, "34092875")
    assert (record.original_paper_doi, record.retraction_doi) == ("10.1111/JOPR.13230", None)
    assert (record.title, record.notes) == ("A title", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        (_csv([], header=CSV_COLUMNS[:-2]), "the header lacks Paywalled, Notes"),
        ("PMID,Title\n1,x\n", "not a Retraction Watch export"),
        (_csv([_row(RetractionDate="yesterday")]), "line 2: RetractionDate: 'yesterday' is not"),
        (_csv([_row(OriginalPaperPubMedID="PMC123")]), "line 2: OriginalPaperPubMedID: 'PMC123'"),
        (_csv([_row(), _row()]), "line 3: Record ID 7 appears twice"),
        (_csv([_row(Record_ID="x7")]), "line 2: Record ID: 'x7' is not a record number"),
        (_csv([]) + '7,"an unclosed quote,,\n', "fields where the header has 20"),
        (_csv([]) + "7,too,few\n", "line 2: 3 fields where the header has 20"),
    ],
)
def test_a_bad_export_is_refused_with_its_reason(text: str, message: str) -> None:
    with pytest.raises(RetractionWatchError, match=re.escape(message)):
        read_retraction_watch(io.StringIO(text))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (_csv([_row(RetractionDate="31/31/2021")]).encode(), "RetractionDate"),
        (_csv([_row(Title="Caf\xe9")]).encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_the_command_refuses_a_bad_file_in_one_line_and_changes_nothing(
    warehouse: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    assert _import(str(CSV), db=warehouse).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    done = _import(str(bad), db=warehouse)
    assert done.returncode == 1
    assert done.stderr.startswith(f"retractions import: {bad}: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""
    with Warehouse.open(warehouse, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM raw.retraction_watch") == [(5,)]


def test_a_missing_file_or_warehouse_is_named(tmp_path: Path) -> None:
    done = _import(str(tmp_path / "nowhere.csv"), db=tmp_path / "evidence.duckdb")
    assert (done.returncode, done.stderr.strip()) == (
        1,
        f"retractions import: {tmp_path / 'nowhere.csv'}: No such file or directory",
    )
    done = _import(str(CSV), db=tmp_path / "none.duckdb")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"retractions import: no warehouse at {tmp_path / 'none.duckdb'} (run ingest or demo "
        "first, or pass --db)"
    )
    assert not (tmp_path / "none.duckdb").exists()
