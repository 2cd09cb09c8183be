"""A topic matching more than ESearch's 9,999 ids is still fetched completely, once each."""

from __future__ import annotations

from datetime import date

import pytest
from standin_fixtures import API_KEY, baseline_records

from pubmed.standin.server import EutilsStandIn
from warehouse.db import Warehouse

pytestmark = pytest.mark.slow


def test_backfill_over_the_esearch_cap_is_complete(prefect_harness, tmp_path, monkeypatch):
    from pipelines.fetch import ingest_flow

    topics = tmp_path / "topics.yaml"
    topics.write_text('ketamine: "humans[mh]"\ntopics:\n  people: "eng[la]"\n', encoding="utf-8")
    db = tmp_path / "evidence.duckdb"
    for name, value in {
        "EVIDENCE_TOPICS": str(topics),
        "EVIDENCE_DB": str(db),
        "NCBI_API_KEY": API_KEY,
        "EVIDENCE_EFETCH_BATCH": "500",
        "EVIDENCE_BACKOFF_BASE": "0.01",
    }.items():
        monkeypatch.setenv(name, value)
    records = baseline_records()
    with EutilsStandIn(records=records, api_keys={API_KEY}) as standin:
        monkeypatch.setenv("EUTILS_BASE_URL", standin.base_url)
        total = standin.answer(
            "esearch", {"db": "pubmed", "term": "humans[mh] AND eng[la]", "retmax": "0"}
        )
        summary = ingest_flow(until=date(1980, 12, 31))
        log = standin.requests

    assert b"<Count>" in total[2]
    expected = int(total[2].split(b"<Count>")[1].split(b"</Count>")[0])
    assert expected > 9999
    with Warehouse.open(db, read_only=True) as wh:
        pmids = [p for (p,) in wh.query("SELECT pmid FROM articles")]
    assert len(pmids) == len(set(pmids)) == expected == summary["inserted"]
    esearches = [r for r in log if r.endpoint == "esearch"]
    assert all(int(r.params.get("retstart", "0")) <= 9998 for r in esearches)
    assert len(esearches) > 1, "the window had to be split under the cap"
    assert standin.max_requests_in_window(1.0) <= 10
