"""The local E-utilities stand-in, over real HTTP with plain ``requests``: NCBI's shapes,
caps, errors and rate limit, scripted faults, live record changes, and the shell command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from standin_fixtures import (
    API_KEY,
    EMAIL,
    KETAMINE_XML,
    TOOL,
    baseline_records,
    ketamine_records,
    record_pmids,
    standin,
    with_date_revised,
)

from pubmed.parser import parse_bytes
from pubmed.standin.server import (
    PUBMED_PROLOG,
    RETSTART_ERROR,
    EutilsStandIn,
    Fault,
    FaultPolicy,
)

__all__ = ["standin"]  # the fixture, imported for pytest
RECORDED = Path(__file__).parent / "data" / "formats" / "eutils-recorded"
POLITE = {"tool": TOOL, "email": EMAIL, "api_key": API_KEY}


def get(server: EutilsStandIn, endpoint: str, **params: object) -> requests.Response:
    return requests.get(
        f"{server.base_url}/{endpoint}.fcgi", params={**POLITE, **params}, timeout=10
    )


def esearch_xml(server: EutilsStandIn, **params: object) -> ET.Element:
    resp = get(server, "esearch", db="pubmed", **params)
    assert resp.status_code == 200, resp.text
    return ET.fromstring(resp.content)


@pytest.fixture(scope="module")
def baseline() -> Iterator[EutilsStandIn]:
    with EutilsStandIn(records=baseline_records()) as server:
        yield server


def test_esearch_answers_in_ncbis_xml_shape(standin: EutilsStandIn) -> None:
    resp = get(standin, "esearch", db="pubmed", term="ketamine[tiab]", usehistory="y", retmax=5)
    recorded = (RECORDED / "test_esearchresult__0__esearch.xml").read_bytes()
    assert resp.content.splitlines()[:2] == recorded.splitlines()[:2]  # declaration, DOCTYPE
    root = ET.fromstring(resp.content)
    assert [child.tag for child in root] == [
        "Count", "RetMax", "RetStart", "QueryKey", "WebEnv", "IdList", "TranslationSet",
        "QueryTranslation",
    ]  # fmt: skip
    ids = [e.text for e in root.iterfind("IdList/Id")]
    assert int(root.findtext("Count") or 0) > 5
    assert (root.findtext("RetMax"), root.findtext("RetStart"), len(ids)) == ("5", "0", 5)
    assert ids == sorted(ids, key=lambda i: -int(i or 0))  # newest PMID first, like PubMed
    assert root.findtext("WebEnv", "").startswith("MCID_") and root.findtext("QueryKey") == "1"
    assert resp.headers["Content-Type"].startswith("text/xml")


def test_esearch_json_and_the_default_retmax_of_20(standin: EutilsStandIn) -> None:
    resp = get(standin, "esearch", db="pubmed", term="ketamine", retmode="json")
    result = resp.json()["esearchresult"]
    assert int(result["count"]) > 20
    assert result["retmax"] == "20" and len(result["idlist"]) == 20
    assert "webenv" not in result  # usehistory was not asked for


def test_dates_filter_by_datetype_and_accept_partial_dates(standin: EutilsStandIn) -> None:
    def ids(**dates: object) -> set[str]:
        root = esearch_xml(standin, term="ketamine", retmax=500, **dates)
        return {e.text or "" for e in root.iterfind("IdList/Id")}

    by_entry = {r.pmid for r in ketamine_records() if (d := r.dates["edat"]) and d.year == 2021}
    by_change = {r.pmid for r in ketamine_records() if (d := r.dates["mdat"]) and d.year == 2021}
    assert by_entry and by_entry != by_change
    assert ids(datetype="edat", mindate="2021", maxdate="2021") & by_entry == by_entry
    assert ids(datetype="edat", mindate="2021/01", maxdate="2021/12") == ids(
        datetype="edat", mindate="2021/01/01", maxdate="2021/12/31"
    )
    assert ids(datetype="mdat", mindate="2021", maxdate="2021") == by_change & ids()


def test_efetch_wraps_original_bytes_in_ncbis_prolog_and_drops_unknown_ids(
    standin: EutilsStandIn,
) -> None:
    wanted = [r.pmid for r in ketamine_records()[:3]]
    resp = get(standin, "efetch", db="pubmed", retmode="xml", id=",".join([*wanted, "1"]))
    assert resp.status_code == 200
    assert resp.content.startswith(PUBMED_PROLOG + b"<PubmedArticleSet>\n")
    assert b"pubmed_250101.dtd" in PUBMED_PROLOG
    assert record_pmids(resp.content) == wanted
    for record in ketamine_records()[:3]:
        assert record.raw in resp.content
    assert [a.pmid for a in parse_bytes(resp.content)] == wanted


def test_efetch_by_post_and_from_the_history_server(standin: EutilsStandIn) -> None:
    all_ids = standin.pmids
    resp = requests.post(
        f"{standin.base_url}/efetch.fcgi",
        data={**POLITE, "db": "pubmed", "retmode": "xml", "id": ",".join(all_ids)},
        timeout=10,
    )
    assert record_pmids(resp.content) == all_ids
    assert standin.requests[-1].method == "POST"
    assert standin.requests[-1].params["id"] == ",".join(all_ids)  # body params are logged
    root = esearch_xml(standin, term="ketamine", usehistory="y", retmax=0)
    history = {"WebEnv": root.findtext("WebEnv"), "query_key": root.findtext("QueryKey")}
    page = get(standin, "efetch", db="pubmed", retstart=10, retmax=7, **history)
    root_all = esearch_xml(standin, term="ketamine", retmax=100)
    assert record_pmids(page.content) == [e.text for e in root_all.iterfind("IdList/Id")][10:17]


def test_retstart_past_9998_is_ncbis_own_error(standin: EutilsStandIn) -> None:
    resp = get(standin, "esearch", db="pubmed", term="ketamine", retstart=9999)
    assert resp.status_code == 400
    assert ET.fromstring(resp.content).findtext("ERROR") == RETSTART_ERROR
    assert "'retstart' cannot be larger than 9998" in RETSTART_ERROR
    assert get(standin, "esearch", db="pubmed", term="ketamine", retstart=9998).status_code == 200


@pytest.mark.slow  # the 29,995-record baseline is parsed once per session (~20 s)
def test_ids_past_the_9999th_are_never_listed_but_history_keeps_them(
    baseline: EutilsStandIn,
) -> None:
    root = esearch_xml(baseline, term="humans[mh]", retmax=100000, usehistory="y")
    count = int(root.findtext("Count") or 0)
    assert count > 10000
    assert len(root.findall("IdList/Id")) == 9999 and root.findtext("RetMax") == "9999"
    tail = esearch_xml(baseline, term="humans[mh]", retstart=9990, retmax=100)
    assert len(tail.findall("IdList/Id")) == 9
    history = {"WebEnv": root.findtext("WebEnv"), "query_key": root.findtext("QueryKey")}
    beyond = get(baseline, "efetch", db="pubmed", retstart=count - 5, retmax=100, **history)
    assert len(record_pmids(beyond.content)) == 5


def test_bad_queries_and_empty_terms_are_in_band_errors(standin: EutilsStandIn) -> None:
    bad = get(standin, "esearch", db="pubmed", term="(ketamine AND")
    assert bad.status_code == 400 and "Invalid query" in (
        ET.fromstring(bad.content).findtext("ERROR") or ""
    )
    empty = get(standin, "esearch", db="pubmed", term="")
    assert empty.status_code == 200
    assert (
        ET.fromstring(empty.content).findtext("ERROR") == "Empty term and query_key - nothing todo"
    )
    as_json = get(standin, "esearch", db="pubmed", term="ketamine[bogus]", retmode="json")
    assert "ERROR" in as_json.json()["esearchresult"]


def test_more_than_three_a_second_without_a_key_is_429_with_ncbis_body() -> None:
    anonymous = {"tool": TOOL, "email": EMAIL, "term": "ketamine"}
    with EutilsStandIn(records=ketamine_records(), clock=lambda: 100.0) as frozen:
        url = f"{frozen.base_url}/esearch.fcgi"
        answers = [requests.get(url, params=anonymous, timeout=5) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    body = answers[-1].json()
    expected = {"error": "API rate limit exceeded", "api-key": "127.0.0.1", "count": "4"}
    assert body == {**expected, "limit": "3"}
    assert float(answers[-1].headers["Retry-After"]) > 0


def test_a_key_allows_ten_a_second_and_the_window_rolls_on() -> None:
    now = [100.0]
    with EutilsStandIn(records=ketamine_records(), clock=lambda: now[0]) as frozen:
        statuses = [get(frozen, "esearch", term="ketamine").status_code for _ in range(11)]
        now[0] += 1.0
        statuses.append(get(frozen, "esearch", term="ketamine").status_code)
        assert frozen.requests[-1].api_key == API_KEY
    assert statuses == [200] * 10 + [429, 200]


def test_configured_keys_refuse_others_and_missing_tool_or_email_is_a_violation() -> None:
    with EutilsStandIn(records=ketamine_records(), api_keys={"good"}) as server:
        url = f"{server.base_url}/esearch.fcgi"
        assert (
            requests.get(url, params={"term": "x", "api_key": "bad"}, timeout=5).status_code == 400
        )
        assert requests.get(url, params={"term": "x", "api_key": "good"}, timeout=5).ok
        assert server.violations == [
            "esearch request without tool", "esearch request without email",
        ] * 2  # fmt: skip


def test_scripted_faults_are_each_used_once_by_their_endpoint(standin: EutilsStandIn) -> None:
    standin.script_faults(
        [Fault("efetch", "500"), Fault("esearch", "429", seconds=3), Fault("esearch", "error")]
    )
    assert get(standin, "esearch", term="ketamine").status_code == 429
    in_band = get(standin, "esearch", term="ketamine")
    assert in_band.status_code == 200
    assert (
        ET.fromstring(in_band.content).findtext("ERROR") == "Search Backend failed: scripted fault"
    )
    fetch = get(standin, "efetch", db="pubmed", id=standin.pmids[0])
    assert fetch.status_code == 500 and standin.pending_faults == []
    assert get(standin, "efetch", db="pubmed", id=standin.pmids[0]).status_code == 200
    assert [r.fault for r in standin.requests] == ["429", "error", "500", None]
    assert standin.requests[0].status == 429


def test_truncate_reset_and_slow_faults(standin: EutilsStandIn) -> None:
    pmid = standin.pmids[0]
    whole = get(standin, "efetch", db="pubmed", id=pmid).content
    standin.script_faults([Fault("efetch", "truncate"), Fault("*", "reset"), Fault("*", "slow", 3)])
    cut = get(standin, "efetch", db="pubmed", id=pmid).content
    assert whole.startswith(cut) and len(cut) < len(whole)
    with pytest.raises(requests.ConnectionError):
        get(standin, "efetch", db="pubmed", id=pmid)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.get(f"{standin.base_url}/efetch.fcgi", params={**POLITE, "id": pmid}, timeout=0.3)
    assert time.monotonic() - started < 2
    assert [r.status for r in standin.requests][:3] == [200, 200, 0]


def test_fault_policies_are_deterministic() -> None:
    every = FaultPolicy(kinds=("503",), every=3)
    assert [bool(every.draw("efetch")) for _ in range(6)] == [False, False, True] * 2
    draws = [FaultPolicy(kinds=("500", "reset"), probability=0.3, seed=7) for _ in range(2)]
    runs = [[f and f.kind for f in map(p.draw, ["efetch"] * 50)] for p in draws]
    assert runs[0] == runs[1] and 5 < sum(map(bool, runs[0])) < 30
    assert FaultPolicy(endpoint="efetch", every=1).draw("esearch") is None


def test_a_next_night_with_a_revision_a_new_record_and_a_deletion(standin: EutilsStandIn) -> None:
    old = ketamine_records()[0]
    revised = with_date_revised(old.raw, date(2026, 11, 27))
    standin.replace(old.pmid, revised)
    root = esearch_xml(
        standin, term="ketamine", datetype="mdat", mindate="2026/11/27", maxdate="2026/11/27"
    )
    assert [e.text for e in root.iterfind("IdList/Id")] == [old.pmid]
    assert b"<Year>2026</Year>" in get(standin, "efetch", id=old.pmid).content

    new = _with_pmid(old.raw, old.pmid, "99999999")
    added = standin.add_xml(PUBMED_PROLOG + b"<PubmedArticleSet>" + new + b"</PubmedArticleSet>")
    assert added == ["99999999"] and standin.pmids[0] == "99999999"

    deletion = b'<DeleteCitation><PMID Version="1">99999999</PMID></DeleteCitation>'
    standin.add_xml(PUBMED_PROLOG + b"<PubmedArticleSet>" + deletion + b"</PubmedArticleSet>")
    assert "99999999" not in standin.pmids
    assert record_pmids(get(standin, "efetch", id="99999999").content) == []
    with pytest.raises(ValueError, match="exactly one record"):
        standin.replace("123", revised)


def test_undated_records_can_be_given_a_date() -> None:
    undated = [r for r in ketamine_records() if r.dates["crdt"] is None]
    assert undated  # the bundled file has reconstructed records without any date
    day = {"datetype": "edat", "mindate": "1970/01/01", "maxdate": "1970/01/01"}
    with EutilsStandIn(records=undated, undated_as=date(1970, 1, 1)) as s:
        assert int(esearch_xml(s, term="ketamine OR anesthesia", **day).findtext("Count") or 0) > 0


def test_the_shell_command_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pubmed.standin.server", "--xml", str(KETAMINE_XML), "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving 101 records at http://127.0.0.1:" in line
        base_url = line.rsplit(" ", 1)[-1].strip()
        resp = requests.get(
            f"{base_url}/esearch.fcgi", params={**POLITE, "term": "ketamine"}, timeout=5
        )
        assert int(ET.fromstring(resp.content).findtext("Count") or 0) > 0
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0


def _with_pmid(raw: bytes, old: str, new: str) -> bytes:
    return raw.replace(f">{old}</PMID>".encode(), f">{new}</PMID>".encode())


def test_json_bodies_are_compact_like_ncbis(standin: EutilsStandIn) -> None:
    standin.script_faults([Fault("esearch", "429")])
    resp = get(standin, "esearch", term="ketamine")
    assert resp.text == json.dumps(
        {"error": "API rate limit exceeded", "api-key": API_KEY, "count": "11", "limit": "10"},
        separators=(",", ":"),
    )
