"""The Claims page through Streamlit's AppTest, on the labelled warehouse built from real records
with every registry claim refreshed as the nightly flow does and two claims' candidates judged
by a reviewer: what it lists, the evidence by form and the candidates to judge, who may judge
and who may decide, judgements saved as ``claims judge`` saves them,
the director's decisions (bound to what the form showed, kept in the app's file with who,
when and why, merged and republished at once), acknowledgements, and a decision made while a
nightly load holds the warehouse. Sessions sign in as AppTest lets them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from claim_judging import judged_warehouse
from dashboard_fixtures import RETRACTED_PMID, copy_warehouse, nightly_load
from streamlit.testing.v1 import AppTest

from claims.decisions import decide, form_state
from claims.refresh import refresh_claim_support
from claims.registry import load_claims
from claims.state import read_state
from core.claim import ClaimEvent
from core.settings import CLAIMS_FILE, Settings
from dashboards.claim_board import SUPPORT_NAMES, query_in_words
from dashboards.inert import escape_markdown
from warehouse.db import Warehouse, snapshot_path
from warehouse.inbox import merge_inbox, read_inbox

REVIEWER = "grace.hopper@clinic.example"
DIRECTOR = "ada.lovelace@clinic.example"
AUTH = {  # enough of an [auth] section for the app to know sign-in is configured
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
CLAIM = "chronic-pain"  # seven RCTs, judged by a reviewer: six support, one mixed
WEAK = "rapid-relief"  # one RCT judged supporting: insufficient
UNJUDGED = "side-effects"  # eight candidate RCTs of three forms, none judged


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled warehouse with the candidates of CLAIM and WEAK judged by a reviewer."""
    return judged_warehouse(tmp_path_factory)


@pytest.fixture
def private_warehouse(labelled_warehouse: Path, tmp_path: Path) -> Path:
    return copy_warehouse(labelled_warehouse, tmp_path / "wh")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    def point(db: Path, site: Path | None = None) -> None:
        monkeypatch.setenv("EVIDENCE_DB", str(db))
        monkeypatch.setenv("EVIDENCE_REVIEWERS", REVIEWER)
        monkeypatch.setenv("EVIDENCE_DIRECTORS", DIRECTOR)
        for name in ("EVIDENCE_REVIEWER_HEADER", "EVIDENCE_SETTINGS", "EVIDENCE_PUBLISH_DIR"):
            monkeypatch.delenv(name, raising=False)
        if site is not None:
            monkeypatch.setenv("EVIDENCE_PUBLISH_DIR", str(site))

    return point


def claims_page(user: str | None = DIRECTOR, **query: str) -> AppTest:
    at = AppTest.from_string(
        "from dashboards.screens.claims import render\nrender()\n", default_timeout=60
    )
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": user} if user else {"is_logged_in": False}
    at.query_params.update(query)
    return at.run()


def shown(value: str) -> str:
    """Text as the browser shows it: without the escapes that keep it from being Markdown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", value).replace("\u200b", "")


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def claims_table(at: AppTest):  # type: ignore[no-untyped-def]
    return at.dataframe[0].value.set_index("Claim")


def history(at: AppTest):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if "Why" in d.value.columns)


def labelled(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label.startswith(label))


def decide_on_page(at: AppTest, reason: str, **fields: str) -> AppTest:
    """Approve the chosen claim with the prefilled wording and citations."""
    for label, value in fields.items():
        labelled(at.text_area, label).input(value)
    labelled(at.text_area, "Reason").input(reason)
    return labelled(at.button, "Approve").click().run()


def recommended(db: Path, claim_id: str = CLAIM) -> list[str]:
    with Warehouse.open(snapshot_path(db), read_only=True) as wh:
        return next(r for r in wh.claim_overview() if r["claim_id"] == claim_id)["recommended"]


def test_the_page_lists_every_registry_claim_with_its_support(
    labelled_warehouse: Path, serve
) -> None:
    serve(labelled_warehouse)
    claims_page(REVIEWER)  # the first run fills the caches
    at = claims_page(REVIEWER)
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
    assert any(re.search(r"rendered in [\d.]+ s", c.value) for c in at.caption)


def test_one_claim_shows_its_query_support_and_citations(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = claims_page(REVIEWER, claim=CLAIM)
    assert_clean(at)
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    assert shown(at.header[0].value) == claim.wording
    assert f"**Evidence query.** {query_in_words(claim.evidence)}" in [m.value for m in at.markdown]
    assert [m.value for m in at.metric][:2] == ["Supported", "2"]
    citations = next(d.value for d in at.dataframe if "Citation (AMA)" in d.value.columns)
    assert citations["PubMed"].tolist() == [
        f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in recommended(labelled_warehouse)
    ]
    assert at.code[0].value.splitlines()[0].startswith("1. ")


@pytest.mark.parametrize(
    ("user", "why"),
    [
        (REVIEWER, "Only medical directors decide on claims."),
        (None, "Medical directors sign in to decide on claims."),
        ("someone@elsewhere.example", "neither a reviewer nor a medical director"),
    ],
)
def test_only_a_director_is_offered_the_decision_form(
    labelled_warehouse: Path, serve, user: str | None, why: str
) -> None:
    serve(labelled_warehouse)
    at = claims_page(user, claim=CLAIM)
    assert_clean(at)
    assert not [b for b in at.button if b.label in ("Approve", "Acknowledge")]
    assert not [r for r in at.radio if r.label == "Decision"]
    assert any(why in shown(c.value) for c in at.caption)


def test_approving_a_claim_shows_it_records_what_was_seen_and_republishes(
    private_warehouse: Path, serve, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    serve(private_warehouse, site)
    before = datetime.now(UTC).replace(tzinfo=None)
    expected = form_state(private_warehouse, CLAIM)
    at = decide_on_page(claims_page(claim=CLAIM), "Seven RCTs, most positive; wording cautious.")
    assert_clean(at)
    assert shown(at.success[0].value) == (
        f"Claim {CLAIM} approved by {DIRECTOR}; it is merged into the warehouse. "
        "The public pages are republished."
    )
    assert claims_table(at).loc[CLAIM, "Status"] == "Approved"
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    assert at.text[0].value == claim.wording, "the approved wording, first, for writers"
    (event,) = read_inbox(private_warehouse).events
    assert (event.claim_id, event.action, event.reviewer, event.channel) == (
        CLAIM,
        "approve",
        DIRECTOR,
        "dashboard",
    )
    assert (event.wording, event.cited_pmids, event.evidence_digest) == (
        claim.wording,
        tuple(recommended(private_warehouse)),
        expected.evidence_digest,
    ), "what the form showed, stored explicitly"
    assert before <= event.decided_at <= datetime.now(UTC).replace(tzinfo=None)
    with Warehouse.open(snapshot_path(private_warehouse), read_only=True) as wh:
        assert wh.claim_events() == [event]  # merged at once: the warehouse was free
    page = json.loads((site / "claims" / f"{CLAIM}.json").read_text())
    assert [r["pmid"] for r in page["references"]] == list(event.cited_pmids or ())
    assert history(at)[["Who", "Decision", "Why", "Via", "Status"]].to_dict("records") == [
        {
            "Who": DIRECTOR,
            "Decision": "Approved",
            "Why": "Seven RCTs, most positive; wording cautious.",
            "Via": "Claims page",
            "Status": "merged",
        }
    ]
    assert labelled(at.text_area, "Reason").value == ""  # a fresh form


def test_a_form_drawn_before_an_edit_is_refused_and_redrawn(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = claims_page(claim=CLAIM)  # the director's form, drawn now
    settings = Settings(db_path=private_warehouse, directors=(DIRECTOR,))
    decide(  # meanwhile, from the command line
        private_warehouse,
        claim_id=CLAIM,
        action="edit",
        by=DIRECTOR,
        reason="Name the kinds of pain.",
        shown=form_state(private_warehouse, CLAIM),
        wording="Ketamine may relieve neuropathic pain.",
        channel="cli",
        settings=settings,
    )
    at = decide_on_page(at, "Looks right.")
    assert not at.exception
    assert shown(at.warning[0].value).startswith(
        f"Not saved: the wording of {CLAIM} changed since the form"
    )
    assert [e.action for e in read_inbox(private_warehouse).events] == ["edit"]
    assert claims_table(at).loc[CLAIM, "Status"] == "Draft"
    assert labelled(at.text_area, "Wording").value == "Ketamine may relieve neuropathic pain."


def test_a_decision_needs_a_reason(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = decide_on_page(claims_page(claim=CLAIM), "   ")
    assert shown(at.error[0].value) == "Not saved: say why: a decision needs a reason."
    assert not read_inbox(private_warehouse)
    assert claims_table(at).loc[CLAIM, "Status"] == "Draft"


def test_weak_support_is_approved_only_with_an_override_which_is_shown(
    private_warehouse: Path, serve
) -> None:
    serve(private_warehouse)
    at = decide_on_page(claims_page(claim=WEAK), "One RCT.")
    assert shown(at.error[0].value).startswith(
        "Not saved: the evidence is insufficient: approving needs an override"
    )
    assert not read_inbox(private_warehouse)
    at = decide_on_page(at, "One RCT.", Override="A large trial; cautious wording.")
    assert_clean(at)
    (event,) = read_inbox(private_warehouse).events
    assert event.override_reason == "A large trial; cautious wording."
    assert [t.value for t in at.text][:2] == [
        next(c.wording for c in load_claims(CLAIMS_FILE) if c.claim_id == WEAK),
        "Approved over the evidence, by override: A large trial; cautious wording.",
    ]
    assert history(at)["Override"].tolist() == ["A large trial; cautious wording."]


def approve_citing_retracted_study(db: Path) -> None:
    """The director approved the claim citing a study that PubMed later marked retracted; the
    next refresh raises the retraction alert, as the nightly job would."""
    approval = ClaimEvent(
        event_id=1,
        claim_id=CLAIM,
        action="approve",
        reviewer=DIRECTOR,
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
    at = claims_page(REVIEWER)
    alert_id = f"{CLAIM}:retraction:{RETRACTED_PMID}"
    assert not [b for b in at.button if b.label == "Acknowledge"], "directors acknowledge"
    at = claims_page()
    assert_clean(at)
    assert claims_table(at).loc[CLAIM, "Open alerts"] == 1
    assert any(f"PMID {RETRACTED_PMID}" in t.value for t in at.text)
    at.text_input(key=f"claims.ack.note.{alert_id}").input("Citation swapped on the site.")
    at = labelled(at.button, "Acknowledge").click().run()
    assert_clean(at)
    assert shown(at.success[0].value).startswith(f"Alert acknowledged by {DIRECTOR}")
    assert claims_table(at).loc[CLAIM, "Open alerts"] == 0
    assert not [b for b in at.button if b.label == "Acknowledge"]
    assert any(c.value.startswith("No open alerts") for c in at.caption)
    acks = read_inbox(private_warehouse).acks
    assert [(a["alert_id"], a["reviewer"], a["note"]) for a in acks] == [
        (alert_id, DIRECTOR, "Citation swapped on the site.")
    ]
    with Warehouse.open(snapshot_path(private_warehouse), read_only=True) as wh:
        assert next(r for r in wh.claim_overview() if r["claim_id"] == CLAIM)["open_alerts"] == 0


def test_a_decision_while_the_nightly_load_holds_the_warehouse(
    private_warehouse: Path, serve, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    serve(private_warehouse, site)
    with nightly_load(private_warehouse):
        at = decide_on_page(claims_page(claim=CLAIM), "Supported by RCTs.")
        assert_clean(at)
        assert "the nightly job merges it into the warehouse" in shown(at.success[0].value)
        assert claims_table(at).loc[CLAIM, "Status"] == "Approved"
        assert history(at)["Status"].tolist() == ["pending merge"]
        assert not any("lock" in str(w.value).lower() for w in (*at.warning, *at.info))
        index = json.loads((site / "claims.json").read_text())
        assert [c["claim_id"] for c in index["claims"]] == [CLAIM], "published from the inbox"
    events = read_inbox(private_warehouse).events
    assert merge_inbox(private_warehouse).decisions == 1  # as the nightly's claims task does
    with Warehouse.open(private_warehouse) as wh:
        assert wh.claim_events() == events


def test_claim_wording_and_reasons_are_shown_as_text(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    wording = "Ketamine ![x](http://127.0.0.1:9/pixel.png) <b>helps</b> [some](http://x)"
    at = decide_on_page(
        claims_page(claim=CLAIM), "See <img src=http://127.0.0.1:9/p.png>", Wording=wording
    )
    assert_clean(at)
    assert at.text[0].value == wording, "shown as text, never as Markdown"
    assert escape_markdown(wording) in at.header[0].value


# --- judged evidence: kinds, forms, candidates, judgements ----------------------------------


def judgement_forms(at: AppTest) -> list:  # type: ignore[type-arg]
    return [r for r in at.radio if r.label == "Judgement"]


def test_the_evidence_is_split_by_form_and_suggestions_are_not_counted(
    labelled_warehouse: Path, serve
) -> None:
    serve(labelled_warehouse)
    at = claims_page(REVIEWER, claim=UNJUDGED)
    assert_clean(at)
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == UNJUDGED)
    markdown = [m.value for m in at.markdown]
    for name in ("IV racemic ketamine", "esketamine nasal spray", "other forms and routes"):
        assert f"**{escape_markdown(name)}**" in markdown
    texts = [t.value for t in at.text]
    assert all(note in texts for note in claim.regulatory.values()), "each form's note"
    assert "**Candidates to judge** (8 unjudged, the most useful first)" in markdown
    assert any("0 of 8 candidate" not in c.value and "8 of 8 candidate" in c.value
               for c in at.caption)  # fmt: skip
    suggestions = [t for t in texts if t.startswith("suggested: ")]
    assert len(suggestions) == 8 and all("-- not counted" in t for t in suggestions)
    assert next(m.value for m in at.metric if m.label == "Support") == "Insufficient", (
        "suggestions never count: nothing is judged, so nothing supports the claim"
    )
    assert len(judgement_forms(at)) == 8, "a reviewer may judge every candidate shown"


def test_kinds_and_labels_are_said_plainly(labelled_warehouse: Path, serve) -> None:
    serve(labelled_warehouse)
    at = claims_page(REVIEWER, claim="neuroplasticity")
    assert_clean(at)
    assert any(i.value.startswith("Laboratory evidence, not a health claim") for i in at.info)
    assert "**Kind.** Mechanism: laboratory evidence, not a health claim" in [
        shown(m.value) for m in at.markdown
    ]
    at = claims_page(REVIEWER, claim=CLAIM)
    claim = next(c for c in load_claims(CLAIMS_FILE) if c.claim_id == CLAIM)
    assert f"Beyond the label: {claim.beyond_label}" in [shown(w.value) for w in at.warning]
    assert not any("Laboratory evidence" in i.value for i in at.info)
    judged = next(d.value for d in at.dataframe if "Judgement" in d.value.columns)
    assert sorted(judged["Judgement"]) == ["mixed"] + ["supports"] * 6
    assert set(judged["By"]) == {"reviewer@clinic.example"}


def test_a_reviewer_judges_a_candidate_and_it_counts(private_warehouse: Path, serve) -> None:
    serve(private_warehouse)
    at = claims_page(REVIEWER, claim=UNJUDGED)
    first = judgement_forms(at)[0]
    pmid = first.key.split(".")[3]
    first.set_value("supports")
    at.text_input(key=first.key.replace(".verdict", ".note")).input(
        "Reports nausea and dizziness *after* infusions"
    )
    at = next(b for b in at.button if b.label == "Save judgement").click().run()
    assert_clean(at)
    assert shown(at.success[0].value) == (
        f"PMID {pmid} judged supports for {UNJUDGED} by {REVIEWER}; "
        "it is merged into the warehouse."
    )
    judged = next(d.value for d in at.dataframe if "Judgement" in d.value.columns)
    assert judged[["PMID", "Judgement", "By", "Note"]].to_dict("records") == [
        {
            "PMID": pmid,
            "Judgement": "supports",
            "By": REVIEWER,
            "Note": "Reports nausea and dizziness *after* infusions",
        }
    ]
    assert "**Candidates to judge** (7 unjudged, the most useful first)" in [
        m.value for m in at.markdown
    ]
    # the same judgement the claims judge command would have saved, read back the same way
    state = read_state(private_warehouse, load_claims(CLAIMS_FILE), claim_id=UNJUDGED)
    (saved,) = [e for e in state.evidence[UNJUDGED] if e.verdict]
    assert (saved.pmid, saved.verdict, saved.judged_by) == (pmid, "supports", REVIEWER)


def test_judging_needs_the_role_at_submit_and_a_verdict(
    private_warehouse: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(private_warehouse)
    at = claims_page("someone@elsewhere.example", claim=UNJUDGED)
    assert not judgement_forms(at) and not [b for b in at.button if b.label == "Save judgement"]
    at = claims_page(DIRECTOR, claim=UNJUDGED)
    assert judgement_forms(at), "directors judge too"
    at = next(b for b in at.button if b.label == "Save judgement").click().run()
    assert shown(at.error[0].value) == (
        "Not saved: choose supports, contradicts, mixed or not relevant."
    )
    judgement_forms(at)[0].set_value("irrelevant")
    monkeypatch.setenv("EVIDENCE_DIRECTORS", "someone.else@clinic.example")  # role taken away
    at = next(b for b in at.button if b.label == "Save judgement").click().run()
    assert_clean(at)
    assert not judgement_forms(at) and not at.success, "the role is asked again: not saved"
    assert not read_inbox(private_warehouse), "nothing saved"
