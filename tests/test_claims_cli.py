"""The ``claims`` command and ``publish`` end to end, as an operator runs them: subprocesses
over a copy of the labelled warehouse built from real records. Every refusal is one line on
standard error with a non-zero exit, and nothing is saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from claim_judging import judged_warehouse
from dashboard_fixtures import copy_warehouse
from dashboard_fixtures import shared_warehouse as build_shared

from claims.registry import load_claims
from core.settings import CLAIMS_FILE
from warehouse.inbox import read_inbox

ROOT = Path(__file__).resolve().parent.parent
DIRECTOR = "medical.director@clinic.example"
REVIEWER = "reviewer@clinic.example"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shared(tmp_path_factory)


@pytest.fixture
def db(shared: Path, tmp_path: Path) -> Path:
    return copy_warehouse(shared, tmp_path / "wh")


@pytest.fixture
def judged_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A copy of the warehouse in which a reviewer judged chronic-pain's candidates."""
    return copy_warehouse(judged_warehouse(tmp_path_factory), tmp_path / "judged")


def run(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "PYTHONPATH"))}
    environ.update(
        EVIDENCE_DB=str(db),
        EVIDENCE_DIRECTORS=DIRECTOR,
        EVIDENCE_REVIEWERS=REVIEWER,
        PYTHONPATH=str(ROOT),
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=300,
    )


def refused(result: subprocess.CompletedProcess[str], command: str, message: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"{command}: ") and message in result.stderr, result.stderr


def test_list_and_show_every_claim_as_it_stands(db: Path) -> None:
    listed = run(db, "claims", "list")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["CLAIM", "STATUS", "SUPPORT", "STUDIES"]
    rows = {line.split()[0]: line.split()[1:4] for line in lines[1:]}
    assert list(rows) == [c.claim_id for c in load_claims(CLAIMS_FILE)]
    # support counts judged studies only: nothing is judged in a fresh warehouse
    assert rows["chronic-pain"] == ["draft", "insufficient", "0"]
    assert rows["rapid-relief"] == ["draft", "insufficient", "0"]
    shown = run(db, "claims", "show", "chronic-pain", "--json")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["status"] == "draft" and record["approval"] is None
    assert record["support"]["status"] == "insufficient" and record["support"]["studies"] == 0
    assert record["support"]["candidates"] == record["support"]["unjudged"] >= 7
    assert record["studies"] == [] and {s["design"] for s in record["candidates"]} == {"rct"}
    assert len(record["support"]["evidence_digest"]) == 64
    refused(run(db, "claims", "show", "no-such-claim"), "claims show", "no claim 'no-such-claim'")


def test_approve_needs_a_director_and_an_override_for_weak_support(
    db: Path, tmp_path: Path
) -> None:
    args = ("claims", "approve", "rapid-relief", "--reason", "One large RCT.")
    refused(run(db, *args, "--by", REVIEWER), "claims approve", "is not a medical director")
    refused(run(db, *args, "--by", DIRECTOR), "claims approve", "insufficient: approving needs an")
    assert not read_inbox(db), "nothing saved"
    site = tmp_path / "site"
    done = run(
        db,
        *args,
        "--by",
        DIRECTOR,
        "--override",
        "Cautious wording; the RCT is large.",
        EVIDENCE_PUBLISH_DIR=str(site),
    )
    assert done.returncode == 0, done.stderr
    assert "Claim rapid-relief approved by medical.director@clinic.example." in done.stdout
    assert "override (insufficient support): Cautious wording; the RCT is large." in done.stdout
    assert "site republished" in done.stdout
    assert [c["claim_id"] for c in json.loads((site / "claims.json").read_text())["claims"]] == [
        "rapid-relief"
    ]
    record = json.loads(run(db, "claims", "show", "rapid-relief", "--json").stdout)
    approval = record["approval"]
    assert record["status"] == "approved"
    assert (approval["by"], approval["channel"], approval["override_reason"]) == (
        DIRECTOR,
        "cli",
        "Cautious wording; the RCT is large.",
    )
    assert approval["evidence_digest"] == record["support"]["evidence_digest"]
    text = run(db, "claims", "show", "rapid-relief").stdout
    assert "override (insufficient support): Cautious wording; the RCT is large." in text


def test_publish_reflects_approvals_and_withdrawals_without_a_flow_run(
    judged_db: Path, tmp_path: Path
) -> None:
    db = judged_db
    record = json.loads(run(db, "claims", "show", "chronic-pain", "--json").stdout)
    chosen = [record["support"]["recommended"][2], record["support"]["recommended"][0]]
    approved = run(
        db,
        "claims",
        "approve",
        "chronic-pain",
        "--by",
        DIRECTOR,
        "--reason",
        "Seven RCTs.",
        "--wording",
        "Ketamine may ease some kinds of chronic pain.",
        "--cite",
        ",".join(chosen),
    )
    assert approved.returncode == 0, approved.stderr
    site = tmp_path / "public"
    published = run(db, "publish", str(site))
    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith(f"Published 1 approved claims to {site}")
    page = json.loads((site / "claims" / "chronic-pain.json").read_text())
    assert page["wording"] == "Ketamine may ease some kinds of chronic pain."
    assert [r["pmid"] for r in page["references"]] == chosen, "the approved ones, in order"
    withdrawn = run(
        db, "claims", "withdraw", "chronic-pain", "--by", DIRECTOR, "--reason", "Under review."
    )
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "Claim chronic-pain withdrawn" in withdrawn.stdout
    again = run(db, "publish", str(site))
    assert again.stdout.startswith("Published 0 approved claims")
    assert json.loads((site / "claims.json").read_text())["claims"] == []
    assert len(list((tmp_path / "public.versions").glob("2*"))) == 2
    listed = run(db, "claims", "list", "--json")
    assert {r["claim_id"]: r["status"] for r in json.loads(listed.stdout)}["chronic-pain"] == (
        "withdrawn"
    )


def test_publish_refuses_a_folder_it_did_not_make(db: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "claims.json").write_text("{}", encoding="utf-8")
    (theirs / "notes.txt").write_text("keep", encoding="utf-8")
    refused(run(db, "publish", str(theirs)), "publish", "publish did not make it")
    assert sorted(p.name for p in theirs.iterdir()) == ["claims.json", "notes.txt"]
    assert (theirs / "claims.json").read_text(encoding="utf-8") == "{}"


def test_bad_input_is_one_line(db: Path, tmp_path: Path) -> None:
    first = run(db, "claims", "withdraw", "anxiety", "--by", DIRECTOR, "--reason", "x")
    assert first.returncode == 0, first.stderr  # a draft can be withdrawn, but only once
    refused(
        run(db, "claims", "withdraw", "anxiety", "--by", DIRECTOR, "--reason", "x"),
        "claims withdraw",
        "already withdrawn",
    )
    missing = tmp_path / "none.duckdb"
    refused(run(missing, "claims", "list"), "claims list", f"no warehouse at {missing}")
    refused(
        run(db, "claims", "list", EVIDENCE_DIRECTORS="not-an-email"),
        "claims list",
        "not an e-mail address",
    )
    verdict = run(db, "claims", "judge", "chronic-pain", "8584148", "great", "--by", REVIEWER)
    assert verdict.returncode == 2 and "invalid choice: 'great'" in verdict.stderr
    assert "Traceback" not in verdict.stderr
    bad_cite = run(db, "claims", "approve", "anxiety", "--by", DIRECTOR, "--reason", "x",
                   "--cite", "123,abc")  # fmt: skip
    assert bad_cite.returncode == 2 and "a PMID is digits only" in bad_cite.stderr
