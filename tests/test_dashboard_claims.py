"""The Claims page through Streamlit's AppTest, on the labelled warehouse built from real records
with every registry claim refreshed as the nightly flow does: what it lists, the director's
decisions and acknowledgements (kept in the app's file with who, when and why), and a
decision made while a nightly load holds the warehouse."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dashboard_fixtures import RETRACTED_PMID, copy_warehouse, nightly_load, shared_warehouse
from streamlit.testing.v1 import AppTest

from claims.refresh import refresh_claim_support
from claims.registry import load_claims
from core.claim import ClaimEvent
from core.settings import CLAIMS_FILE
from dashboards.claim_board import SUPPORT_NAMES, query_in_words
from warehouse.db import Warehouse, snapshot_path
from warehouse.inbox import merge_inbox, read_inbox

REVIEWERS = "Dr Ada Lovelace, Dr Grace Hopper"
RENDER_BUDGET_SECONDS = 2.0
CLAIM = "chronic-pain"  # supported by seven RCTs in the seed labels


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_warehouse(tmp_path_factory)


@pytest.fixture
def private_warehouse(labelled_warehouse: Path, tmp_path: Path) -> Path:
    return copy_warehouse(labelled_warehouse, tmp_path / "wh")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    def point(db: Path) -> None:
        monkeypatch.setenv("EVIDENCE_DB", str(db))
        monkeypatch.setenv("EVIDENCE_REVIEWERS", REVIEWERS)
        monkeypatch.setenv("EVIDENCE_REVIEWERS_FILE", str(db.with_name("no-reviewers.txt")))

    return point


def claims_page(**query: str) -> AppTest:
    at = AppTest.from_string(
        "from dashboards.screens.claims import render\nrender()\n", default_timeout=60
    )
    at.query_params.update(query)
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def claims_table(at: AppTest):  # type: ignore[no-untyped-def]
    return at.dataframe[0].value.set_index("Claim")


def labelled(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label == label)


def decide(at: AppTest, reason: str, reviewer: str | None = "Dr Grace Hopper") -> AppTest:
    """Approve the chosen claim with the prefilled wording and citations."""
    if reviewer:
        at.selectbox(key="claims.reviewer").set_value(reviewer)
    labelled(at.text_area, "Reason").input(reason)
    return labelled(at.button, "Approve").click().run()


def test_the_page_lists_every_registry_claim_with_its_support(
    labelled_warehouse: Path, serve
) -> None:
    serve(labelled_warehouse)
    claims_page()  # the first run fills the caches
    at = claims_page()
    assert_clean(at)
    table = claims_table(at)
    registry = load_claims(CLAIMS_FILE)
    assert list(table.index) == [c.claim_id for c in registry] and len(registry) == 11
    with Warehouse.open(snapshot_path(labelled_warehouse), read_only=True) as wh:
        computed = {r["claim_id"]: r for r in wh.claim_overview()}
    assert table["Support"].to_dict() == {
        c: SUPPORT_NAMES[r["support"]] for c, r in computed.items()
    }
    assert table["Participants"].to_dict() == {c: r["participants"] for c, r in computed.items()}
    assert set(table["Status"]) == {"Draft"} and set(table["GRADE"]) == {"not set"}
    assert table.loc[CLAIM, "Studies by design"] == "RCT 7"
    assert "No claim is approved yet" in at.caption[0].value
    caption = next(c.value for c in at.caption if " rendered in " in c.value)
    assert float(re.search(r"rendered in ([\d.]+) s", caption).group(1)) < RENDER_BUDGET_SECONDS


def test_one_claim_shows_its_query_support_and_citations(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = claims_page(claim=CLAIM)
    assert_clean(at)
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    assert at.header[0].value == claim.wording
    assert f"**Evidence query.** {query_in_words(claim.evidence)}" in [m.value for m in at.markdown]
    assert [m.value for m in at.metric][:2] == ["Supported", "2"]
    with Warehouse.open(snapshot_path(labelled_warehouse), read_only=True) as wh:
        recommended = next(r for r in wh.claim_overview() if r["claim_id"] == CLAIM)["recommended"]
    citations = next(d.value for d in at.dataframe if "Citation (AMA)" in d.value.columns)
    assert citations["PubMed"].tolist() == [
        f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in recommended
    ]
    assert at.code[0].value.splitlines()[0].startswith("1. ")
    assert at.code[0].value.splitlines()[0].endswith(f"PMID: {recommended[0]}")


def test_approving_a_claim_shows_it_at_once_and_records_who_when_why(
    private_warehouse: Path, serve
) -> None:
    serve(private_warehouse)
    before = datetime.now(UTC).replace(tzinfo=None)
    at = decide(claims_page(claim=CLAIM), "Seven RCTs, most positive; wording is cautious.")
    assert_clean(at)
    assert at.success[0].value == (
        f"Claim {CLAIM} approved by Dr Grace Hopper; it is merged into the warehouse."
    )
    assert claims_table(at).loc[CLAIM, "Status"] == "Approved"
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    assert at.success[1].value.startswith(f"**{CLAIM}**: {claim.wording}")
    events = read_inbox(private_warehouse).events
    assert len(events) == 1
    event = events[0]
    assert (event.claim_id, event.action, event.reviewer, event.reason) == (
        CLAIM,
        "approve",
        "Dr Grace Hopper",
        "Seven RCTs, most positive; wording is cautious.",
    )
    assert before <= event.decided_at <= datetime.now(UTC).replace(tzinfo=None)
    with Warehouse.open(snapshot_path(private_warehouse), read_only=True) as wh:
        recommended = next(r for r in wh.claim_overview() if r["claim_id"] == CLAIM)["recommended"]
        assert wh.claim_events() == events  # merged at once: the warehouse was free
    assert event.cited_pmids == tuple(recommended)
    history = at.table[0].value
    assert history[["Who", "Decision", "Why", "Status"]].to_dict("records") == [
        {
            "Who": "Dr Grace Hopper",
            "Decision": "Approved",
            "Why": "Seven RCTs, most positive; wording is cautious.",
            "Status": "merged",
        }
    ]
    assert labelled(at.text_area, "Reason").value == ""  # a fresh form


def test_a_decision_needs_a_reason_and_a_reviewer(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = decide(claims_page(claim=CLAIM), "   ")
    assert at.error[0].value == "Not saved: say why: a decision needs a reason."
    at = decide(claims_page(claim=CLAIM), "Looks right.", reviewer=None)
    assert at.error[0].value == "Not saved: a decision needs the reviewer's name."
    assert not read_inbox(private_warehouse)
    assert claims_table(at).loc[CLAIM, "Status"] == "Draft"


def approve_citing_retracted_study(db: Path) -> None:
    """The director approved the claim citing a study that PubMed marks retracted; the next
    refresh raises the retraction alert, as the nightly job would."""
    approval = ClaimEvent(
        event_id=1,
        claim_id=CLAIM,
        action="approve",
        reviewer="Dr Ada Lovelace",
        reason="Approved before the retraction.",
        decided_at=datetime(2021, 6, 1),
        cited_pmids=("11240090", RETRACTED_PMID),
    )
    with Warehouse.open(db) as wh:
        wh.add_claim_events([approval])
    refresh_claim_support(db, CLAIMS_FILE, "test-refresh")
    with Warehouse.open(db) as wh:
        wh.publish_snapshot()


def test_acknowledging_an_alert_hides_it(private_warehouse: Path, serve) -> None:
    approve_citing_retracted_study(private_warehouse)
    serve(private_warehouse)
    at = claims_page()
    assert_clean(at)
    alert_id = f"{CLAIM}:retraction:{RETRACTED_PMID}"
    assert claims_table(at).loc[CLAIM, "Open alerts"] == 1
    assert any(f"PMID {RETRACTED_PMID}" in t.value for t in at.text)
    at.selectbox(key=f"claims.ack.reviewer.{alert_id}").set_value("Dr Ada Lovelace")
    at.text_input(key=f"claims.ack.note.{alert_id}").input("Citation swapped on the site.")
    at = labelled(at.button, "Acknowledge").click().run()
    assert_clean(at)
    assert at.success[0].value.startswith("Alert acknowledged by Dr Ada Lovelace")
    assert claims_table(at).loc[CLAIM, "Open alerts"] == 0
    assert not [b for b in at.button if b.label == "Acknowledge"]
    assert any(c.value.startswith("No open alerts") for c in at.caption)
    acks = read_inbox(private_warehouse).acks
    assert [(a["alert_id"], a["reviewer"], a["note"]) for a in acks] == [
        (alert_id, "Dr Ada Lovelace", "Citation swapped on the site.")
    ]
    with Warehouse.open(snapshot_path(private_warehouse), read_only=True) as wh:
        assert next(r for r in wh.claim_overview() if r["claim_id"] == CLAIM)["open_alerts"] == 0


def test_a_decision_while_the_nightly_load_holds_the_warehouse(
    private_warehouse: Path, serve
) -> None:
    serve(private_warehouse)
    with nightly_load(private_warehouse):
        at = decide(claims_page(claim=CLAIM), "Supported by RCTs.")
        assert_clean(at)
        assert "the nightly job merges it into the warehouse" in at.success[0].value
        assert claims_table(at).loc[CLAIM, "Status"] == "Approved"
        assert at.table[0].value["Status"].tolist() == ["pending merge"]
        assert not any("lock" in str(w.value).lower() for w in (*at.warning, *at.info))
    events = read_inbox(private_warehouse).events
    assert merge_inbox(private_warehouse).decisions == 1  # as the nightly's claims task does
    with Warehouse.open(private_warehouse) as wh:
        assert wh.claim_events() == events
