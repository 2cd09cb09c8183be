"""Watching approved claims over real nightly runs of the ingest flow against the stand-in.

The real records hold no negative RCT on the clinic's four conditions, so this clinic also
watches a perioperative topic (the topics file and the registry are configuration). Night 1
loads the real ketamine records; a reviewer judges the claim's candidates (support counts
judged studies only) and the medical director approves the claim on the dashboard (its inbox
file), citing one trial. Night 2 brings a new negative RCT on the claim's
question and a retraction of the cited trial: alerts are stored, sent to a local webhook and
the public site drops the retracted study. Night 3 brings nothing new and raises nothing.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from pathlib import Path

import pytest
from claim_judging import judge_candidates
from standin_fixtures import ketamine_records
from test_alerts import HttpSink, http_sink  # noqa: F401  (the fixture is used by name)

from claims.decisions import new_claim_event
from claims.registry import load_claims
from core.settings import TOPICS_FILE
from pipelines.fetch import ingest_flow
from pubmed.standin.server import (
    DATETYPES,
    PUBMED_PROLOG,
    EutilsStandIn,
    StoredRecord,
    read_records,
)
from warehouse.db import Warehouse
from warehouse.inbox import save_claim_event

NIGHT_1 = date(2026, 11, 20)
NIGHT_2 = date(2026, 11, 21)
NIGHT_3 = date(2026, 11, 22)
NEGATIVE_RCT = "12791116"  # ketamine on postoperative pain, no benefit over placebo
CITED_RCT = "8829857"  # morphine with ketamine for postoperative analgesia, positive
PERIOPERATIVE_TOPIC = """
  perioperative: >-
    (postoperative[tiab] OR "pain, postoperative"[mh] OR perioperative[tiab])
"""
REGISTRY = """
claims:
  - id: postoperative-analgesia
    wording: Ketamine given around surgery reduces pain afterwards.
    page: /test
    status: draft
    evidence:
      outcomes: [efficacy]
      finding: positive
      min_design: rct
      terms: ['postoperative', 'after (surgery|operation|tonsillectomy)']
  - id: depression-draft
    wording: Ketamine relieves depression.
    page: /test
    status: draft
    evidence:
      conditions: [depression]
      outcomes: [efficacy]
"""


def _dated(record: StoredRecord, day: date) -> StoredRecord:
    return dataclasses.replace(record, dates=dict.fromkeys(DATETYPES, day))


def _retracted(record: StoredRecord, day: date) -> StoredRecord:
    """The record as PubMed revises it when a retraction notice is linked."""
    notice = b'<PublicationType UI="D016441">Retracted Publication</PublicationType>'
    if b"<PublicationTypeList>" in record.raw:
        raw = record.raw.replace(b"<PublicationTypeList>", b"<PublicationTypeList>" + notice, 1)
    else:
        types = b"<PublicationTypeList>" + notice + b"</PublicationTypeList>"
        raw = record.raw.replace(b"</Article>", types + b"</Article>", 1)
    body = PUBMED_PROLOG + b"<PubmedArticleSet>" + raw + b"</PubmedArticleSet>"
    (revised,), _ = read_records(io.BytesIO(body))
    return _dated(revised, day)


@pytest.fixture
def nights(monkeypatch, tmp_path, http_sink: HttpSink):  # noqa: F811
    db = tmp_path / "evidence.duckdb"
    registry = tmp_path / "registry.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    topics = tmp_path / "topics.yaml"
    topics.write_text(TOPICS_FILE.read_text(encoding="utf-8") + PERIOPERATIVE_TOPIC)
    site = tmp_path / "site"
    for name, value in {
        "EVIDENCE_DB": str(db),
        "EVIDENCE_CLAIMS": str(registry),
        "EVIDENCE_TOPICS": str(topics),
        "EVIDENCE_PUBLISH_DIR": str(site),
        "EVIDENCE_ALERT_WEBHOOK": http_sink.url,
        "EVIDENCE_BACKOFF_BASE": "0.01",
        "EVIDENCE_TASK_RETRY_DELAY": "0",
        "EVIDENCE_HTTP_TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    records = {r.pmid: r for r in ketamine_records()}
    first = [_dated(r, date(2020, 1, 1)) for p, r in records.items() if p != NEGATIVE_RCT]
    with EutilsStandIn(records=first, retry_after=0.05) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        yield db, registry, site, standin, records, http_sink


def _alerts(db: Path) -> dict[str, dict]:
    with Warehouse.open(db, read_only=True) as wh:
        rows = wh.query("SELECT alert_id, kind, pmid, sent_at FROM claim_alerts")
    return {a: {"kind": k, "pmid": p, "sent_at": s} for a, k, p, s in rows}


def _claim(db: Path, claim_id: str) -> dict:
    with Warehouse.open(db, read_only=True) as wh:
        return next(r for r in wh.claim_overview() if r["claim_id"] == claim_id)


def test_new_negative_rct_and_retraction_raise_alerts_once(prefect_harness, nights) -> None:
    db, registry, site, standin, records, sink = nights

    ingest_flow(until=NIGHT_1)
    judged = judge_candidates(db, ["postoperative-analgesia"], claims_file=registry)
    assert CITED_RCT in judged["postoperative-analgesia"]
    before = _claim(db, "postoperative-analgesia")
    assert before["status"] == "draft" and CITED_RCT in before["recommended"]
    assert _alerts(db) == {}, "the first look at a claim is a baseline, not news"
    assert json.loads((site / "claims.json").read_text())["claims"] == [], "no claim approved"

    claim = next(c for c in load_claims(registry) if c.claim_id == "postoperative-analgesia")
    approval = new_claim_event(
        claim,
        action="approve",
        reviewer="Dr. Medical Director",
        reason="Checked the cited trial",
        cited_pmids=[CITED_RCT],
    )
    save_claim_event(db, approval)  # the dashboard's inbox; merged by the next nightly run

    standin._put([_dated(records[NEGATIVE_RCT], NIGHT_2), _retracted(records[CITED_RCT], NIGHT_2)])
    ingest_flow(until=NIGHT_2)

    after = _claim(db, "postoperative-analgesia")
    assert after["status"] == "approved" and after["cited_pmids"] == [CITED_RCT]
    assert CITED_RCT in after["retracted"] and CITED_RCT not in after["recommended"]
    alerts = _alerts(db)
    kinds = {(a["kind"], a["pmid"]) for a in alerts.values()}
    assert {
        ("new_rct", NEGATIVE_RCT),
        ("new_negative", NEGATIVE_RCT),
        ("retraction", CITED_RCT),
    } <= kinds
    assert all(a["sent_at"] is not None for a in alerts.values())
    delivered = {a["alert_id"] for _, payload in sink.posts for a in payload["alerts"]}
    assert delivered == set(alerts)
    assert not any(a["claim_id"] == "depression-draft" for _, p in sink.posts for a in p["alerts"])

    published = json.loads((site / "claims" / "postoperative-analgesia.json").read_text())
    cited = json.dumps(published)
    assert "Dr. Medical Director" not in cited and "Checked the cited trial" not in cited
    assert CITED_RCT not in {str(r.get("pmid")) for r in published["references"]}
    assert not (site / "claims" / "depression-draft.json").exists()

    posts = len(sink.posts)
    ingest_flow(until=NIGHT_3)
    assert _alerts(db) == alerts, "nothing new on night 3, and nothing raised twice"
    assert len(sink.posts) == posts
