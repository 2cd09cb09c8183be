"""``parse`` on two processes writes what one record at a time wrote: the same bytes, in input
order, with every quarantine reported and nothing lost when a helper stops."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.article import LABEL_FIELDS, Article, Deletion
from pipelines.cli.io import write_jsonl
from pipelines.cli.parse_lines import BATCH_RECORDS, Helper, article_line, rendered_batches
from pubmed.parser import TruncatedXMLError, iter_records

REPO = Path(__file__).resolve().parents[1]
KETAMINE_XML = REPO / "data" / "ketamine" / "ketamine-records.xml"
FIELD_FILES = [
    KETAMINE_XML,
    REPO / "tests" / "data" / "pubmed_xml" / "pubmed21n1298-features.xml",
    REPO / "tests" / "data" / "pubmed_xml" / "reviewer-fields.xml",
    REPO / "tests" / "data" / "formats" / "metapub-efetch" / "20301546.xml",
]
SCRIPT = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))
HIDDEN = {*LABEL_FIELDS, "key_finding", "confidence", "model_version", "needs_review"}
TWO_CORES = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="no helper on one core")


def one_at_a_time(data: bytes) -> tuple[str, list[str]]:
    """What parse wrote before batches: each record through to_json and write_jsonl."""
    out, notes = io.StringIO(), []
    for record in iter_records(io.BytesIO(data)):
        if isinstance(record, Article):
            write_jsonl(out, {k: v for k, v in record.to_json().items() if k not in HIDDEN})
        elif isinstance(record, Deletion):
            write_jsonl(out, record.to_json())
        else:
            notes.append(f"quarantined {record.pmid or '?'}: {record.reason}")
    return out.getvalue(), notes


def many_records(copies: int, broken_at: int | None = None) -> bytes:
    """The bundled 101 records ``copies`` times in one set; record ``broken_at`` malformed."""
    text = KETAMINE_XML.read_bytes()
    head, rest = text.split(b"<PubmedArticleSet>", 1)
    body = rest.rsplit(b"</PubmedArticleSet>", 1)[0]
    records = [b"<PubmedArticle>" + r for r in body.split(b"<PubmedArticle>")[1:]] * copies
    if broken_at is not None:
        records[broken_at] = records[broken_at].replace(b"<ArticleTitle>", b"<ArticleTitle><x>", 1)
    return head + b"<PubmedArticleSet>" + b"".join(records) + b"</PubmedArticleSet>\n"


def parse(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert SCRIPT, "the console script is installed into the project's environment"
    return subprocess.run(
        [SCRIPT, "parse", *args], input=stdin, capture_output=True, timeout=600, check=False
    )


@pytest.mark.parametrize("path", FIELD_FILES, ids=lambda p: p.name)
def test_each_line_is_the_records_json_as_before(path):
    data = path.read_bytes()
    expected, _ = one_at_a_time(data)
    rendered = "".join(text for text, _ in rendered_batches(io.BytesIO(data)))
    assert rendered == expected
    articles = [r for r in iter_records(io.BytesIO(data)) if isinstance(r, Article)]
    assert articles and all(article_line(a) + "\n" in expected for a in articles)


def test_unicode_line_separators_stay_inside_their_line():
    data = KETAMINE_XML.read_bytes().replace(
        b"<ArticleTitle>", "<ArticleTitle>one\u2028two\u2029three\x85four ".encode(), 1
    )
    text = "".join(text for text, _ in rendered_batches(io.BytesIO(data)))
    assert len(text.splitlines()) == 101
    first = json.loads(text.splitlines()[0])
    assert first["title"].startswith("one\u2028two\u2029three\x85four ")
    assert text == one_at_a_time(data)[0]


@TWO_CORES
def test_a_large_file_on_two_processes_gives_the_same_bytes_and_reports(tmp_path):
    data = many_records(6, broken_at=333)  # 606 records: several batches, some to the helper
    path = tmp_path / "many.xml.gz"
    path.write_bytes(gzip.compress(data))
    expected, notes = one_at_a_time(data)
    result = parse(str(path))
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == expected
    assert result.stderr.decode().splitlines() == [f"{path}: {note}" for note in notes]
    assert len(notes) == 1 and "quarantined" in notes[0]


@TWO_CORES
def test_a_truncated_large_file_keeps_every_complete_record_then_fails(tmp_path):
    data = many_records(6)
    cut = data[: len(data) * 2 // 3]
    path = tmp_path / "cut.xml"
    path.write_bytes(cut)
    result = parse(str(path))
    assert result.returncode == 1
    out = result.stdout.decode("utf-8").splitlines()
    complete = cut.count(b"</PubmedArticle>")
    assert len(out) == complete > 3 * BATCH_RECORDS
    assert out == one_at_a_time(data)[0].splitlines()[:complete]
    (error,) = result.stderr.decode().splitlines()
    assert error.startswith(f"{path}: error: stream ended")


def test_records_can_come_from_a_pipe_plain_or_gzip():
    data = many_records(2)
    expected = one_at_a_time(data)[0]
    for piped in (data, gzip.compress(data)):
        result = parse("/dev/stdin", stdin=piped)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode("utf-8") == expected


@TWO_CORES
def test_a_helper_that_stops_costs_no_records():
    data = many_records(8, broken_at=500)
    expected, notes = one_at_a_time(data)
    with Helper() as helper:
        batches = rendered_batches(io.BytesIO(data), helper)
        got = [next(batches), next(batches)]
        assert helper.proc is not None, "the helper took batches"
        helper.proc.kill()
        got.extend(batches)
    assert "".join(text for text, _ in got) == expected
    assert [f"quarantined {p or '?'}: {r}" for _, found in got for p, r in found] == notes


def test_a_damaged_stream_raises_after_the_records_before_the_damage():
    data = many_records(3)
    cut = data[: len(data) // 2]
    seen = []
    with pytest.raises(TruncatedXMLError):
        for text, _ in rendered_batches(io.BytesIO(cut)):
            seen.append(text)
    assert "".join(seen).count("\n") == cut.count(b"</PubmedArticle>")
