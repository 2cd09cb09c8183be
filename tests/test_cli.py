"""The ``ketamine-evidence`` command as outside checks call it: the installed console script."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORMATS = REPO / "tests" / "data" / "formats"
KETAMINE_XML = REPO / "data" / "ketamine" / "ketamine-records.xml"
UPDATE_XML = REPO / "data" / "pubmed" / "pubmed21n1298-sample.xml.gz"
SCRIPT = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    assert SCRIPT, "the console script is installed into the project's environment"
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_parse_writes_one_record_per_line_with_the_promised_fields(tmp_path):
    out = tmp_path / "records.jsonl"
    result = run("parse", str(KETAMINE_XML), "--out", str(out))
    assert result.returncode == 0, result.stderr
    records = lines(out.read_text(encoding="utf-8"))
    assert len(records) == 101 == len({r["pmid"] for r in records})
    required = {
        "pmid",
        "title",
        "abstract",
        "journal",
        "year",
        "doi",
        "mesh",
        "publication_types",
        "authors",
        "retracted",
    }
    assert all(required <= set(r) for r in records)
    first = records[0]
    assert first["pmid"] == "34062414"
    assert first["doi"] == "10.1016/j.biopha.2021.111788"
    assert first["year"] == 2021
    assert first["title"].startswith("Hsa-miR-605 regulates the proinflammatory chemokine")
    assert isinstance(first["mesh"], list) and isinstance(first["authors"], list)


def test_parse_reads_gzip_and_plain_alike_and_many_files_at_once(tmp_path):
    gz = tmp_path / "copy.xml.gz"
    gz.write_bytes(gzip.compress(KETAMINE_XML.read_bytes()))
    plain = run("parse", str(KETAMINE_XML))
    both = run("parse", str(gz), str(FORMATS / "metapub-efetch" / "20301546.xml"))
    assert plain.returncode == both.returncode == 0
    assert lines(both.stdout)[:101] == lines(plain.stdout)
    book = lines(both.stdout)[101]
    assert book["pmid"] == "20301546" and book["is_book"] is True


def test_delete_citation_gives_a_deleted_line_per_pmid():
    result = run("parse", str(UPDATE_XML))
    assert result.returncode == 0, result.stderr[-2000:]
    records = lines(result.stdout)
    deleted = [r for r in records if r.get("deleted") is True]
    assert {"pmid": "31688362", "deleted": True} in deleted
    assert all(set(r) == {"pmid", "deleted"} for r in deleted)
    assert len(records) - len(deleted) > 20000


def test_hostile_xml_is_refused_with_a_clear_error_and_no_expansion(tmp_path):
    hostile = tmp_path / "laughs.xml"
    hostile.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY a "aaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>&c;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        "</PubmedArticleSet>\n",
        encoding="utf-8",
    )
    result = run("parse", str(hostile))
    assert result.returncode != 0
    assert "entit" in result.stderr.lower()
    assert "aaaaaaaaaa" not in result.stdout


def test_a_malformed_record_is_reported_and_the_rest_are_written(tmp_path):
    text = KETAMINE_XML.read_text(encoding="utf-8")
    broken = text.replace("<ArticleTitle>", "<ArticleTitle><unclosed>", 1)
    path = tmp_path / "broken.xml"
    path.write_text(broken, encoding="utf-8")
    result = run("parse", str(path))
    assert result.returncode == 0
    assert len(lines(result.stdout)) == 100
    assert "quarantined 34062414" in result.stderr


def test_truncated_file_keeps_complete_records_and_fails(tmp_path):
    data = KETAMINE_XML.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    result = run("parse", str(path))
    assert result.returncode == 1
    assert 40 < len(lines(result.stdout)) < 60
    assert "error" in result.stderr.lower()


@pytest.mark.parametrize("argv", [["--help"], ["parse", "--help"], ["ingest", "--help"]])
def test_module_entry_point_matches_the_script(argv):
    module = subprocess.run(
        [sys.executable, "-m", "pipelines", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert module.returncode == 0
    assert module.stdout == run(*argv).stdout


REVIEWER_XML = REPO / "tests" / "data" / "pubmed_xml" / "reviewer-fields.xml"


def test_classify_lines_carry_what_a_reviewer_weighs_beyond_the_label(tmp_path):
    """Real records (tests/data/pubmed_xml, read by hand): 21388667 has three NIH grants and
    ErratumIn 34092359; 33686772 is registered as JapicCTI-142693 and its authors include
    company employees; the same lines come from XML and from parse's JSONL."""
    parsed, from_xml, from_jsonl = (tmp_path / n for n in ("p.jsonl", "a.jsonl", "b.jsonl"))
    assert run("parse", str(REVIEWER_XML), "--out", str(parsed)).returncode == 0
    first = run("classify", "--input", str(REVIEWER_XML), "--output", str(from_xml))
    second = run("classify", "--input", str(parsed), "--output", str(from_jsonl))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    rows = lines(from_xml.read_text())
    assert rows == lines(from_jsonl.read_text()) and len(rows) == 17
    by_pmid = {r["pmid"]: r for r in rows}
    kept = {"design", "finding", "routes", "key_finding", "confidence", "model_version"}
    extra = {"registry_ids", "coi_statement", "grants", "comments_corrections"}
    assert all(kept | extra | {"funding", "industry_authors"} <= set(r) for r in rows)
    erratum = by_pmid["21388667"]
    assert erratum["comments_corrections"] == [{"type": "ErratumIn", "pmid": "34092359"}]
    assert [g["agency"] for g in erratum["grants"]][:2] == ["NCRR NIH HHS", "NHLBI NIH HHS"]
    assert erratum["funding"] == "public" and erratum["industry_authors"] == "no"
    company = by_pmid["33686772"]
    assert company["registry_ids"] == ["JapicCTI-142693"]
    assert company["funding"] == "industry" and company["industry_authors"] == "yes"
    assert by_pmid["29744390"]["coi_statement"], "a record with a COI statement carries it"


def test_classify_labels_xml_and_parse_output_alike(tmp_path):
    parsed = tmp_path / "parsed.jsonl"
    assert run("parse", str(KETAMINE_XML), "--out", str(parsed)).returncode == 0
    from_xml, from_jsonl = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first = run("classify", "--input", str(KETAMINE_XML), "--output", str(from_xml))
    second = run("classify", "--input", str(parsed), "--output", str(from_jsonl))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    a, b = lines(from_xml.read_text()), lines(from_jsonl.read_text())
    assert a == b and len(a) == 101
    taxonomy = {"conditions", "outcomes", "finding", "design", "drug", "routes", "sample_size"}
    assert all(taxonomy | {"pmid", "key_finding", "model_version"} <= set(r) for r in a)
    assert all(isinstance(r["conditions"], list) and isinstance(r["routes"], list) for r in a)
    assert all(r["sample_size"] is None or isinstance(r["sample_size"], int) for r in a)
    assert {r["design"] for r in a} <= {
        "meta_analysis",
        "rct",
        "nonrandomized_trial",
        "observational",
        "case_report",
        "preclinical",
        "review",
        "other",
    }


def test_parse_quarantines_one_huge_record_and_writes_the_others(tmp_path):
    text = KETAMINE_XML.read_bytes()
    at = text.index(b"<AbstractText", text.index(b'<PMID Version="1">26632287</PMID>'))
    path = tmp_path / "huge.xml"
    with path.open("wb") as out:  # a 70 MB abstract in the second record, written in pieces
        out.write(text[:at] + b"<AbstractText>")
        for _ in range(70):
            out.write(b"ketamine " * 111_112)
        out.write(b"</AbstractText>" + text[at:])
    result = run("parse", str(path))
    assert result.returncode == 0, result.stderr
    pmids = [r["pmid"] for r in lines(result.stdout)]
    assert len(pmids) == 100 and "26632287" not in pmids
    assert pmids[:2] == ["34062414", "11027905"]
    (line,) = result.stderr.splitlines()
    assert "quarantined 26632287: oversized record" in line


def test_classify_of_a_file_of_many_batches_writes_each_record_as_labelled_alone(tmp_path):
    """1,200 real records of the update file with one damaged record among them: the two
    workers' lines come out in input order, each what labelling that record alone gives, and
    the damaged one is reported on stderr while the rest are written."""
    from core.article import Article
    from labels.shipped import classify_articles
    from pipelines.cli.classify_lines import classify_line
    from pubmed.parser import iter_records, split_chunks

    with gzip.open(UPDATE_XML, "rb") as stream:
        chunks = [c for _, c in zip(range(1200), split_chunks(stream), strict=False)]
    damaged = b"<PubmedArticle><MedlineCitation><PMID>99999999</PMID><Article>"
    chunks.insert(700, damaged + b"</PubmedArticle>")
    xml = tmp_path / "many.xml"
    xml.write_bytes(b"<PubmedArticleSet>" + b"\n".join(chunks) + b"</PubmedArticleSet>\n")
    out = tmp_path / "labels.jsonl"

    result = run("classify", "--input", str(xml), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "quarantined 99999999" in result.stderr
    with xml.open("rb") as stream:
        articles = [r for r in iter_records(stream) if isinstance(r, Article)]
    alone = [classify_line(a) for a in classify_articles(articles[:5])]
    written = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [json.loads(w)["pmid"] for w in written] == [a.pmid for a in articles]
    assert len(written) == 1200 and written[:5] == alone
    last = [classify_line(a) for a in classify_articles(articles[-3:])]
    assert written[-3:] == last


def test_classify_whose_worker_is_killed_still_writes_every_record(tmp_path):
    """A worker killed mid-run (as the out-of-memory killer would) costs speed, not lines."""
    import signal
    import time

    import psutil

    with gzip.open(UPDATE_XML, "rb") as stream:
        head = stream.read(40 << 20)
    xml = tmp_path / "part.xml"
    cut = head.rindex(b"</PubmedArticle>") + len(b"</PubmedArticle>")
    xml.write_bytes(head[:cut] + b"\n</PubmedArticleSet>\n")
    whole, killed = tmp_path / "whole.jsonl", tmp_path / "killed.jsonl"
    assert run("classify", "--input", str(xml), "--output", str(whole)).returncode == 0

    assert SCRIPT
    args = [SCRIPT, "classify", "--input", str(xml), "--output", str(killed)]
    proc = subprocess.Popen(args, cwd=REPO, stderr=subprocess.PIPE, text=True)
    parent, victims = psutil.Process(proc.pid), []
    deadline = time.monotonic() + 120
    while not victims and proc.poll() is None and time.monotonic() < deadline:
        # a forked worker runs the command's own command line (not the resource tracker)
        victims = [c for c in parent.children() if c.cmdline() == parent.cmdline()]
        time.sleep(0.05)
    assert victims, "the command started its workers"
    victims[0].send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert killed.read_bytes() == whole.read_bytes()
    assert len(whole.read_text().splitlines()) > 2000
