"""Bad input and a failing outside world, as the user meets them at the command line: one clear
line on standard error, a non-zero exit, no traceback (unless --debug), nothing slow started
first, and nothing sent to NCBI that NCBI must not get."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pubmed.standin.server import EutilsStandIn
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]
SCRIPT = shutil.which("ketamine-evidence", path=str(Path(sys.executable).parent))
NCBI_VARIABLES = ("EUTILS_BASE_URL", "NCBI_EMAIL", "NCBI_API_KEY", "EVIDENCE_DB")


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    assert SCRIPT, "the console script is installed into the project's environment"
    return subprocess.run(
        [SCRIPT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NCBI_VARIABLES}
    return {**env, **extra}


def assert_one_clear_line(result: subprocess.CompletedProcess, command: str, *words: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{command}: "), line
    for word in words:
        assert word in line, line
    return line


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    paths = {
        "empty": folder / "empty.xml",
        "text": folder / "notes.txt",
        "html": folder / "page.xml",
        "nopmid": folder / "records.jsonl",
        "badjson": folder / "broken.jsonl",
    }
    paths["empty"].write_bytes(b"")
    paths["text"].write_text("minutes of the clinic meeting\n", encoding="utf-8")
    paths["html"].write_text("<html><body>not PubMed</body></html>\n", encoding="utf-8")
    paths["nopmid"].write_text('{"title": "Ketamine", "abstract": "..."}\n', encoding="utf-8")
    paths["badjson"].write_text('{"pmid": "1", "title": "a"}\n{"pmid": \n', encoding="utf-8")
    paths["missing"] = folder / "nowhere.xml"
    return paths


@pytest.mark.parametrize(
    ("which", "words"),
    [
        ("missing", ["nowhere.xml", "no such file"]),
        ("empty", ["empty.xml", "empty document"]),
        ("text", ["notes.txt", "not a PubmedArticleSet"]),
        ("html", ["page.xml", "<html>"]),
        ("nopmid", ["records.jsonl line 1", "PMID"]),
        ("badjson", ["broken.jsonl line 2", "not JSON"]),
    ],
)
def test_classify_on_unusable_input_says_why_in_one_line(files, tmp_path, which, words):
    out = tmp_path / "labels.jsonl"
    result = run("classify", "--input", str(files[which]), "--output", str(out))
    assert_one_clear_line(result, "classify", *words)
    assert which == "badjson" or not out.exists(), "nothing is written for unusable input"


def test_ingest_with_reversed_dates_is_refused_before_anything_starts(tmp_path):
    db = tmp_path / "evidence.duckdb"
    result = run("ingest", "--since", "2026-02-01", "--until", "2026-01-01", "--db", str(db))
    assert_one_clear_line(result, "ingest", "--since 2026-02-01", "--until 2026-01-01")
    assert not db.exists()


def test_status_on_a_file_that_is_not_a_warehouse(files):
    result = run("status", "--db", str(files["text"]))
    assert_one_clear_line(result, "status", "notes.txt", "not a valid DuckDB")


def test_baseline_on_a_missing_file_fails_at_once_without_starting_dask(tmp_path):
    result = run(
        "baseline", str(tmp_path / "pubmed26n0001.xml.gz"), "--db", str(tmp_path / "e.duckdb")
    )
    assert_one_clear_line(result, "baseline", "no such file or folder", "pubmed26n0001.xml.gz")
    assert not (tmp_path / "e.duckdb").exists()


def test_baseline_on_a_folder_without_pubmed_files(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    result = run("baseline", str(tmp_path), "--db", str(tmp_path / "e.duckdb"))
    assert_one_clear_line(result, "baseline", "no PubMed XML files")


def test_standin_on_a_missing_file(files):
    result = run("standin", "--xml", str(files["missing"]), "--port", "0")
    assert_one_clear_line(result, "standin", "no such file", "nowhere.xml")


def test_debug_shows_the_traceback_before_or_after_the_command(files):
    for argv in (["--debug", "status"], ["status", "--debug"]):
        result = run(*argv, "--db", str(files["text"]))
        assert result.returncode != 0 and "Traceback" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ncbi_unreachable_is_one_line_naming_the_url_and_starts_nothing(tmp_path):
    base = f"http://127.0.0.1:{_closed_port()}/entrez/eutils"
    db = tmp_path / "evidence.duckdb"
    result = run(
        "ingest", "--db", str(db), env=clean_env(EUTILS_BASE_URL=base, NCBI_EMAIL="md@clinic.org")
    )
    assert_one_clear_line(result, "ingest", f"cannot reach E-utilities at {base}", "refused")
    assert not db.exists(), "no run was started"


@pytest.fixture
def socket_guard(tmp_path) -> tuple[dict[str, str], Path]:
    """An environment whose Python logs every name lookup and connection it attempts."""
    guard = tmp_path / "guard"
    guard.mkdir()
    log = tmp_path / "sockets.log"
    (guard / "sitecustomize.py").write_text(
        "import os, sys\n"
        "def _hook(event, args):\n"
        "    if event in ('socket.connect', 'socket.getaddrinfo'):\n"
        "        with open(os.environ['SOCKET_GUARD_LOG'], 'a') as f:\n"
        "            f.write(f'{event} {args!r}\\n')\n"
        "sys.addaudithook(_hook)\n",
        encoding="utf-8",
    )
    path = os.pathsep.join(p for p in (str(guard), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "SOCKET_GUARD_LOG": str(log)}, log


def test_the_placeholder_email_is_refused_for_ncbi_before_any_socket_opens(tmp_path, socket_guard):
    extra, log = socket_guard
    db = tmp_path / "evidence.duckdb"
    result = run("ingest", "--db", str(db), env=clean_env(**extra))  # NCBI's URL, no NCBI_EMAIL
    assert_one_clear_line(result, "ingest", "NCBI_EMAIL", "placeholder", "eutils.ncbi.nlm.nih.gov")
    assert not log.exists() or log.read_text() == "", "no lookup, no connection"
    assert not db.exists()


def test_a_real_ingest_never_mixes_into_demo_data(tmp_path, socket_guard):
    extra, log = socket_guard
    db = tmp_path / "evidence.duckdb"
    with Warehouse.open(db) as wh:
        wh.mark_demo("records from the local E-utilities stand-in")
    result = run("ingest", "--db", str(db), env=clean_env(NCBI_EMAIL="md@clinic.org", **extra))
    assert_one_clear_line(result, "ingest", "demo data", "--db", "delete the demo file")
    assert not log.exists() or log.read_text() == ""
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.runs() == []


@pytest.mark.slow
def test_a_failing_flow_ends_in_one_line_without_prefects_tracebacks(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    topics = tmp_path / "topics.yaml"
    topics.write_text(
        'ketamine: "ketamine"\ntopics:\n  broken: "(depression AND"\n', encoding="utf-8"
    )
    db = tmp_path / "evidence.duckdb"
    with EutilsStandIn(records=[]) as standin:
        env = clean_env(
            EUTILS_BASE_URL=standin.base_url,
            EVIDENCE_TOPICS=str(topics),
            PREFECT_API_URL=PREFECT_API_URL.value(),
        )
        result = run("ingest", "--db", str(db), "--until", "2026-11-20", env=env, timeout=600)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ingest: ") and "Invalid query" in last, last
    with Warehouse.open(db, read_only=True) as wh:
        (failed,) = wh.runs()
    assert failed["status"] == "failed" and "Invalid query" in failed["error"]
