"""``claims judge``, ``claims show --json`` candidates and ``claims add`` end to end, as
subprocesses over a copy of the labelled warehouse built from real records; ``add`` fetches
through the E-utilities stand-in on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dashboard_fixtures import copy_warehouse
from dashboard_fixtures import shared_warehouse as build_shared
from standin_fixtures import standin  # noqa: F401  (the fixture)
from test_claims_cli import DIRECTOR, REVIEWER, refused, run

from pubmed.standin.server import EutilsStandIn
from warehouse.db import Warehouse
from warehouse.inbox import read_inbox

ADDED = "31166571"  # an esketamine nasal-spray trial in depression: no PTSD query finds it


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shared(tmp_path_factory)


@pytest.fixture
def db(shared: Path, tmp_path: Path) -> Path:
    return copy_warehouse(shared, tmp_path / "wh")


def show(db: Path, claim_id: str) -> dict:
    shown = run(db, "claims", "show", claim_id, "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_show_lists_ranked_candidates_and_judging_them_makes_the_support(db: Path) -> None:
    record = show(db, "chronic-pain")
    assert record["kind"] == "efficacy" and "off-label" in record["regulatory"]["iv_racemic"]
    assert record["beyond_label"], "no form is approved for chronic pain"
    assert record["support"]["status"] == "insufficient" and record["studies"] == []
    candidates = record["candidates"]
    assert len(candidates) == record["support"]["unjudged"] == record["support"]["candidates"]
    assert all(c["pmid"].isdigit() and c["suggested"] for c in candidates)
    assert [c["score"] for c in candidates] == sorted(
        (c["score"] for c in candidates), reverse=True
    )
    backing = [c["pmid"] for c in candidates if c["suggested"] == "supports"][:3]
    assert len(backing) == 3
    for pmid in backing:
        judged = run(
            db,
            "claims",
            "judge",
            "chronic-pain",
            pmid,
            "supports",
            "--by",
            REVIEWER,
            "--note",
            "IV ketamine reduced pain scores against placebo",
        )
        assert judged.returncode == 0, judged.stderr
        assert f"PMID {pmid} judged supports" in judged.stdout
    after = show(db, "chronic-pain")
    assert after["support"]["status"] == "supported"
    assert after["support"]["judged"] == {"supports": 3}
    assert after["support"]["unjudged"] == len(candidates) - 3
    assert {s["pmid"] for s in after["studies"]} == set(backing)
    assert {s["judged_by"] for s in after["studies"]} == {REVIEWER}
    assert not {c["pmid"] for c in after["candidates"]} & set(backing)
    listed = run(db, "claims", "list")
    row = next(line.split() for line in listed.stdout.splitlines() if line.startswith("chronic"))
    assert row[1:4] == ["draft", "supported", "3"]


def test_judge_refuses_strangers_unknown_verdicts_and_non_candidates(db: Path) -> None:
    pmid = show(db, "chronic-pain")["candidates"][0]["pmid"]
    refused(
        run(db, "claims", "judge", "chronic-pain", pmid, "supports", "--by", "x@clinic.example"),
        "claims judge",
        "not a reviewer or medical director",
    )
    refused(
        run(db, "claims", "judge", "ptsd", ADDED, "supports", "--by", DIRECTOR),
        "claims judge",
        "not a candidate study of ptsd",
    )
    bad = run(db, "claims", "judge", "chronic-pain", pmid, "maybe", "--by", REVIEWER)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    assert not read_inbox(db).judgements, "nothing saved"


def test_add_by_pmid_through_the_standin(db: Path, standin: EutilsStandIn) -> None:  # noqa: F811
    assert ADDED not in {c["pmid"] for c in show(db, "ptsd")["candidates"]}
    added = run(
        db, "claims", "add", "ptsd", ADDED, "--by", REVIEWER, EUTILS_BASE_URL=standin.base_url
    )
    assert added.returncode == 0, added.stderr
    candidate = next(c for c in show(db, "ptsd")["candidates"] if c["pmid"] == ADDED)
    assert candidate["added_by"] == REVIEWER and candidate["matched_by_query"] is False
    assert candidate["form"] == "esketamine_nasal"
    judged = run(
        db,
        "claims",
        "judge",
        "ptsd",
        ADDED,
        "irrelevant",
        "--by",
        DIRECTOR,
        "--note",
        "depression, not PTSD",
    )
    assert judged.returncode == 0, judged.stderr


def test_add_from_a_citation_export(db: Path, standin: EutilsStandIn, tmp_path: Path) -> None:  # noqa: F811
    with Warehouse.open(db, read_only=True) as wh:
        (article,) = wh.articles([ADDED])
    nbib = tmp_path / "citations.nbib"
    nbib.write_text(
        f"PMID- {article.pmid}\nOWN - NLM\nTI  - {article.title}\nJT  - {article.journal}\n"
        f"DP  - {article.year}\n\n",
        encoding="utf-8",
    )
    added = run(
        db,
        "claims",
        "add",
        "anxiety",
        "--nbib",
        str(nbib),
        "--by",
        REVIEWER,
        EUTILS_BASE_URL=standin.base_url,
    )
    assert added.returncode == 0, added.stderr
    assert ADDED in {c["pmid"] for c in show(db, "anxiety")["candidates"]}
    junk = tmp_path / "junk.nbib"
    junk.write_text("not a citation export\n", encoding="utf-8")
    refused(
        run(
            db,
            "claims",
            "add",
            "anxiety",
            "--nbib",
            str(junk),
            "--by",
            REVIEWER,
            EUTILS_BASE_URL=standin.base_url,
        ),
        "claims add",
        "not a PubMed citation export",
    )
