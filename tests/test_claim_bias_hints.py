"""The Claims page's risk-of-bias hints beside the GRADE control: for the claim's judged
randomised trials (the real records a reviewer judged in tests/claim_judging.py), how many
abstracts read low, unclear or high per domain, and the spin flag on each, all labelled
hints for the reviewer; a claim with no judged trial says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from claim_judging import judged_warehouse
from streamlit.testing.v1 import AppTest

from claims.registry import load_claims
from claims.state import read_state
from core.settings import CLAIMS_FILE

REVIEWER = "grace.hopper@clinic.example"
DIRECTOR = "ada.lovelace@clinic.example"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
CLAIM = "chronic-pain"  # seven RCTs, judged by a reviewer: six support, one mixed
UNJUDGED = "side-effects"  # candidate RCTs, none judged
DOMAINS = {
    "Randomisation",
    "Concealment",
    "Blinding participants",
    "Blinding assessors",
    "Active placebo",
    "Itt",
    "Registration",
    "Attrition",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return judged_warehouse(tmp_path_factory)


def page(db: Path, monkeypatch: pytest.MonkeyPatch, claim: str) -> AppTest:
    monkeypatch.setenv("EVIDENCE_DB", str(db))
    monkeypatch.setenv("EVIDENCE_REVIEWERS", REVIEWER)
    monkeypatch.setenv("EVIDENCE_DIRECTORS", DIRECTOR)
    for name in ("EVIDENCE_REVIEWER_HEADER", "EVIDENCE_SETTINGS", "EVIDENCE_PUBLISH_DIR"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_string(
        "from dashboards.screens.claims import render\nrender()\n", default_timeout=60
    )
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": DIRECTOR}
    at.query_params.update(claim=claim)
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_judged_trials_bias_hints_and_spin_sit_beside_the_grade_control(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page(warehouse, monkeypatch, CLAIM)
    headers = [h.value for h in at.subheader]
    assert "Risk of bias: hints for the reviewer" in headers
    assert headers.index("Risk of bias: hints for the reviewer") + 1 == headers.index("Decide")
    state = read_state(warehouse, load_claims(CLAIMS_FILE), claim_id=CLAIM)
    judged = sorted(
        (e.pmid for e in state.evidence[CLAIM] if e.verdict and e.design == "rct"), key=int
    )
    assert len(judged) == 7
    counts = next(d.value for d in at.dataframe if "Unclear" in d.value.columns)
    assert set(counts["Domain"]) == DOMAINS
    totals = counts[["Low", "Unclear", "High"]].sum(axis=1)
    assert totals.tolist() == [7] * len(DOMAINS), "every judged trial counted once per domain"
    assert any("7 judged randomised trials" in c.value for c in at.caption)
    spin = next(d.value for d in at.dataframe if "Spin flag" in d.value.columns)
    assert spin["PMID"].tolist() == judged
    assert spin["Judgement"].value_counts().to_dict() == {"supports": 6, "mixed": 1}
    blinding = counts.set_index("Domain").loc[["Blinding participants", "Blinding assessors"]]
    assert blinding["Low"].tolist() == [7, 7], "all seven abstracts say they were double-blind"
    flagged = int((spin["Spin flag"] != "none raised").sum())
    assert f"{flagged} of 7 judged trials" in " ".join(m.value for m in at.markdown)


def test_a_claim_with_no_judged_trial_says_there_is_nothing_to_hint(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page(warehouse, monkeypatch, UNJUDGED)
    assert "Risk of bias: hints for the reviewer" in [h.value for h in at.subheader]
    assert any("No randomised trial of this claim is judged yet" in c.value for c in at.caption)
    assert not any("Spin flag" in d.value.columns for d in at.dataframe)
