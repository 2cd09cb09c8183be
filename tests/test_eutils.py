"""The E-utilities client against the stand-in over real HTTP: NCBI's etiquette, pacing
measured on the server's log, retries on every transient failure, typed permanent errors,
and complete retrieval of a query past the 9,999 cap by splitting dates."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from typing import ClassVar

import pytest
from standin_fixtures import (
    API_KEY,
    EMAIL,
    KETAMINE_XML,
    TOOL,
    baseline_records,
    ketamine_records,
    make_client,
    record_pmids,
    standin,
    with_date_revised,
)

from core.article import Article
from pubmed.eutils import (
    ESEARCH_CAP,
    NCBI_HOST,
    EutilsClient,
    EutilsConfigError,
    EutilsError,
    EutilsQueryError,
    EutilsRedirectError,
    EutilsRetryExhausted,
    EutilsUnreachable,
    InvalidPmidError,
    RateLimiter,
    ResponseTooLarge,
    ResultCapError,
    parse_esearch,
    split_window,
)
from pubmed.parser import parse_bytes
from pubmed.query import compile_query
from pubmed.standin.server import EutilsStandIn, Fault, FaultPolicy
from pubmed.topics import load_topics

__all__ = ["standin"]  # the fixture, imported for pytest


@pytest.fixture(scope="module")
def baseline() -> Iterator[EutilsStandIn]:
    """29,995 real 1977-79 records with full MeSH: 17,609 of them are on humans."""
    with EutilsStandIn(records=baseline_records()) as server:
        yield server


def humans_in_baseline() -> set[str]:
    """Ground truth read from the raw XML, independent of the parser and query evaluator."""
    return {r.pmid for r in baseline_records() if b">Humans</DescriptorName>" in r.raw}


def test_every_request_carries_tool_email_and_the_key(standin: EutilsStandIn) -> None:
    with make_client(standin) as client:
        found = client.esearch("ketamine[tiab]")
        client.efetch(found.ids[:5])
        client.efetch(list(found.ids) * 5)  # long list: POSTed
    log = standin.requests
    assert [r.method for r in log] == ["GET", "GET", "POST"]
    assert all(r.params["tool"] == TOOL and r.params["email"] == EMAIL for r in log)
    assert all(r.api_key == API_KEY for r in log)
    assert standin.violations == []


def test_without_a_key_none_is_sent(standin: EutilsStandIn) -> None:
    with make_client(standin, api_key=None) as client:
        client.esearch("ketamine")
    assert "api_key" not in standin.requests[0].params
    assert standin.requests[0].client == "127.0.0.1"


@pytest.mark.slow  # the 29,995-record baseline is parsed once per session (~20 s)
def test_long_id_lists_are_posted(baseline: EutilsStandIn) -> None:
    baseline.clear_log()
    ids = baseline.pmids[:250]
    with make_client(baseline) as client:
        assert record_pmids(client.efetch(ids)) == ids  # 200 ids or more
        assert record_pmids(client.efetch(ids[:150])) == ids[:150]  # over 1,000 characters
        assert record_pmids(client.efetch(ids[:50])) == ids[:50]
    assert [r.method for r in baseline.requests] == ["POST", "POST", "GET"]
    assert baseline.requests[0].params["id"] == ",".join(ids)


def test_long_queries_are_posted_and_answered_like_pubmed(standin: EutilsStandIn) -> None:
    term = load_topics().queries["chronic_pain"]
    articles = [a for a in parse_bytes(KETAMINE_XML.read_bytes()) if isinstance(a, Article)]
    expected = sorted((a.pmid for a in articles if compile_query(term)(a)), key=lambda p: -int(p))
    with make_client(standin) as client:
        found = client.esearch(term)
    assert standin.requests[0].method == "POST" and standin.requests[0].params["term"] == term
    assert found.count == len(expected) > 0 and list(found.ids) == expected


def test_threads_sharing_a_client_never_put_four_starts_in_one_second(
    standin: EutilsStandIn,
) -> None:
    client = make_client(standin, api_key=None)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(2):
                client.esearch("ketamine", retmax=1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(standin.requests) == 8
    assert all(r.status == 200 for r in standin.requests)  # never a 429
    assert standin.max_requests_in_window(1.0) <= 3


def test_separate_clients_share_the_pace_of_one_key(standin: EutilsStandIn) -> None:
    clients = [make_client(standin) for _ in range(3)]
    threads = [
        threading.Thread(target=lambda c=c: [c.esearch("ketamine", retmax=1) for _ in range(8)])
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(standin.requests) == 24
    assert all(r.status == 200 for r in standin.requests)
    assert standin.max_requests_in_window(1.0) <= 10


def test_429_is_retried_after_retry_after(standin: EutilsStandIn) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    standin.script_faults([Fault("esearch", "429", seconds=0.4)])
    with make_client(standin, sleep=sleep) as client:
        assert client.esearch("ketamine").count > 0
    assert [r.status for r in standin.requests] == [429, 200]
    assert max(slept) >= 0.4


@pytest.mark.parametrize("kind", ["500", "502", "503", "reset", "truncate", "error"])
@pytest.mark.parametrize("endpoint", ["esearch", "efetch"])
def test_transient_failures_are_retried_to_a_complete_answer(
    standin: EutilsStandIn, kind: str, endpoint: str
) -> None:
    ids = standin.pmids[:20]
    with make_client(standin) as client:
        expected = client.efetch(ids) if endpoint == "efetch" else client.esearch("ketamine")
        standin.clear_log()
        standin.script_faults([Fault(endpoint, kind), Fault(endpoint, kind)])
        again = client.efetch(ids) if endpoint == "efetch" else client.esearch("ketamine")
    if endpoint == "esearch":
        assert (again.count, again.ids) == (expected.count, expected.ids)  # type: ignore[union-attr]
    else:
        assert again == expected
    assert [r.fault for r in standin.requests] == [kind, kind, None]


def test_a_slow_answer_times_out_and_is_retried(standin: EutilsStandIn) -> None:
    standin.script_faults([Fault("efetch", "slow", seconds=5)])
    started = time.monotonic()
    with make_client(standin, timeout=0.5) as client:
        body = client.efetch(standin.pmids[:3])
    assert record_pmids(body) == standin.pmids[:3]
    assert time.monotonic() - started < 3
    assert [r.fault for r in standin.requests] == ["slow", None]


def test_a_flaky_server_still_yields_every_record_exactly_once(standin: EutilsStandIn) -> None:
    kinds = ("429", "500", "503", "reset", "truncate", "error")
    standin.fail_randomly(FaultPolicy(kinds=kinds, probability=0.4, seed=11))
    fetched: list[str] = []
    with make_client(standin, max_retries=8) as client:
        start, end = date(1900, 1, 1), date(2030, 12, 31)
        ids = client.search_ids("ketamine OR anesthesia", datetype="pdat", start=start, end=end)
        for first in range(0, len(ids), 5):
            fetched += record_pmids(client.efetch(ids[first : first + 5]))
    assert sorted(fetched) == sorted(ids) and len(set(fetched)) == len(ids) > 50
    assert len({r.fault for r in standin.requests}) >= 4  # None and at least three kinds


def test_persistent_failure_gives_up_after_max_retries(standin: EutilsStandIn) -> None:
    standin.fail_randomly(FaultPolicy(kinds=("503",), every=1))
    with make_client(standin, max_retries=3) as client, pytest.raises(EutilsRetryExhausted) as err:
        client.efetch(standin.pmids[:3])
    assert err.value.attempts == 4 and "503" in err.value.reason
    assert [r.status for r in standin.requests] == [503] * 4


@pytest.mark.parametrize("term", ["(ketamine AND", "ketamine[nonsense]", ""])
def test_a_bad_query_is_a_typed_error_without_retries(standin: EutilsStandIn, term: str) -> None:
    with make_client(standin) as client, pytest.raises(EutilsQueryError):
        client.esearch(term)
    assert len(standin.requests) == 1


def test_retstart_past_the_cap_is_a_cap_error_without_retries(standin: EutilsStandIn) -> None:
    with make_client(standin) as client, pytest.raises(ResultCapError, match="9998"):
        client.esearch("ketamine", retstart=ESEARCH_CAP)
    assert len(standin.requests) == 1


@pytest.mark.slow  # the 29,995-record baseline is parsed once per session (~20 s)
def test_search_ids_splits_dates_to_get_every_id_past_the_cap_once(
    baseline: EutilsStandIn,
) -> None:
    baseline.clear_log()
    expected = humans_in_baseline()
    assert len(expected) > ESEARCH_CAP
    with make_client(baseline) as client:
        ids = client.search_ids(
            "humans[mh]", datetype="edat", start=date(1970, 1, 1), end=date(1985, 12, 31)
        )
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    searches = baseline.requests
    assert all(r.params["mindate"] <= r.params["maxdate"] for r in searches)
    assert len(searches) <= 12, [(r.params["mindate"], r.params["maxdate"]) for r in searches]


@pytest.mark.slow  # the 29,995-record baseline is parsed once per session (~20 s)
def test_the_history_server_serves_past_the_cap(baseline: EutilsStandIn) -> None:
    baseline.clear_log()
    with make_client(baseline) as client:
        found = client.esearch("humans[mh]", retmax=0)
        assert found.count > ESEARCH_CAP and found.webenv and found.query_key
        fetched: list[str] = []
        for start in range(0, found.count, 3000):
            body = client.efetch_history(found.webenv, found.query_key, start, 3000)
            fetched += record_pmids(body)
    assert len(fetched) == len(set(fetched)) == found.count
    assert set(fetched) == humans_in_baseline()


@pytest.mark.slow  # the 29,995-record baseline is parsed once per session (~20 s)
def test_one_day_over_the_cap_is_a_result_cap_error(baseline: EutilsStandIn) -> None:
    # Publication date of a 1977 record is 1977/01/01 here: 10,075 of them are in English.
    with make_client(baseline) as client, pytest.raises(ResultCapError) as err:
        client.search_ids(
            "eng[la]", datetype="pdat", start=date(1977, 1, 1), end=date(1977, 12, 31)
        )
    message = str(err.value)
    assert "'eng[la]'" in message and "pdat 1977/01/01" in message and "9,999" in message


def test_records_revised_overnight_are_found_the_next_night(standin: EutilsStandIn) -> None:
    record, night = ketamine_records()[0], date(2026, 11, 27)
    standin.replace(record.pmid, with_date_revised(record.raw, night))
    with make_client(standin) as client:
        ids = client.search_ids("ketamine", datetype="mdat", start=night, end=night)
        assert ids == [record.pmid]
        assert b"<Year>2026</Year><Month>11</Month><Day>27</Day>" in client.efetch(ids)


def test_split_window_covers_every_day_once() -> None:
    start, end = date(2020, 1, 1), date(2020, 12, 31)
    for count, at_least in ((10_000, 2), (40_000, 6), (3_000_000, 366)):
        parts = split_window(start, end, count)
        assert parts[0][0] == start and parts[-1][1] == end
        assert all((b[0] - a[1]).days == 1 for a, b in pairwise(parts))
        assert all(lo <= hi for lo, hi in parts)
        assert len(parts) >= at_least
    assert split_window(start, date(2020, 1, 2), 10**6) == [(start, start), (date(2020, 1, 2),) * 2]


def test_esearch_refuses_entity_declarations() -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><eSearchResult/>'
    with pytest.raises(EutilsError, match="entities"):
        parse_esearch(hostile)


def test_rate_limiter_spaces_grants_on_its_clock() -> None:
    now = [0.0]
    grants: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(3, clock=lambda: now[0])
    for _ in range(10):
        limiter.wait(sleep)
        grants.append(now[0])
    assert all(b - a >= 1 / 3 for a, b in pairwise(grants))
    assert all(grants[i + 3] - grants[i] > 1.0 for i in range(len(grants) - 3))


# --- hardening: ids, sizes, redirects, reachability, identity ---------------------------------


@pytest.mark.parametrize("bad", ["12a", "", " 12", "١٢", "12;DROP"])
def test_an_id_that_is_not_a_pmid_is_a_clear_error_before_any_request(
    standin: EutilsStandIn, bad: str
) -> None:
    with make_client(standin) as client, pytest.raises(InvalidPmidError, match="not a PMID"):
        client.efetch([standin.pmids[0], bad])
    assert standin.requests == []


def test_efetch_to_streams_the_body_to_disk_and_names_what_came_back(
    standin: EutilsStandIn, tmp_path
) -> None:
    ids = standin.pmids[:7]
    with make_client(standin) as client:
        scan = client.efetch_to([*ids, "99999999"], tmp_path / "body.xml")
        expected = client.efetch(ids)
    assert scan.returned == tuple(ids) and scan.oversized == ()
    assert (tmp_path / "body.xml").read_bytes() == expected


def test_an_answer_over_the_size_cap_is_refused_at_once_not_retried(
    standin: EutilsStandIn, tmp_path
) -> None:
    with make_client(standin, max_response_bytes=50_000) as client:
        small = client.efetch_to(standin.pmids[:1], tmp_path / "one.xml")
        with pytest.raises(ResponseTooLarge, match="20 ids is larger than the 50,000-byte cap"):
            client.efetch_to(standin.pmids[:20], tmp_path / "many.xml")
    assert small.returned == tuple(standin.pmids[:1])
    assert [r.endpoint for r in standin.requests] == ["efetch", "efetch"]


class _Redirector(http.server.BaseHTTPRequestHandler):
    """Answers /old/... with a redirect to ``target`` + the rest of the path."""

    target = ""
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        if self.path.startswith("/old/"):
            self.send_response(302)
            self.send_header("Location", self.target + self.path.removeprefix("/old/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<eSearchResult><Count>1</Count><IdList><Id>42</Id></IdList></eSearchResult>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[tuple[str, type[_Redirector]]]:
    handler = type("Handler", (_Redirector,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_a_redirect_to_another_host_is_refused_and_never_followed(
    standin: EutilsStandIn, redirector: tuple[str, type[_Redirector]]
) -> None:
    base, handler = redirector
    handler.target = f"http://localhost:{standin.port}/entrez/eutils/"  # another host name
    client = EutilsClient(f"{base}/old", email=EMAIL, tool=TOOL, api_key=API_KEY)
    with client, pytest.raises(EutilsRedirectError, match="another host"):
        client.esearch("ketamine")
    assert handler.hits and all(h.startswith("/old/esearch.fcgi") for h in handler.hits)
    assert len(handler.hits) == 1, "a refusal is not retried"
    assert standin.requests == [], "the key and e-mail never reached the other host"


def test_a_redirect_on_the_same_host_is_followed(
    redirector: tuple[str, type[_Redirector]],
) -> None:
    base, handler = redirector
    handler.target = f"{base}/new/"
    with EutilsClient(f"{base}/old", email=EMAIL, tool=TOOL) as client:
        assert client.esearch("ketamine").ids == ("42",)
    assert [h.split("?")[0] for h in handler.hits] == ["/old/esearch.fcgi", "/new/esearch.fcgi"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_that_cannot_be_reached_is_reported_after_a_short_budget() -> None:
    base = f"http://127.0.0.1:{_closed_port()}/entrez/eutils"
    client = EutilsClient(base, email=EMAIL, tool=TOOL, max_retries=6, backoff_base=0.01)
    with client, pytest.raises(EutilsUnreachable) as err:
        client.esearch("ketamine")
    assert str(err.value).startswith(f"cannot reach E-utilities at {base}: ")
    assert "refused" in str(err.value).lower()
    assert client.request_count == 3  # connect_retries=2, not max_retries=6


@pytest.mark.parametrize(
    "email",
    ["ketamine-evidence@example.org", "you@clinic.example", "me@example.com", "nobody", ""],
)
def test_ncbi_is_never_sent_a_placeholder_email(email: str) -> None:
    with pytest.raises(EutilsConfigError, match=r"NCBI_EMAIL|tool and email"):
        EutilsClient(f"https://eutils.{NCBI_HOST}/entrez/eutils", email=email, tool=TOOL)


def test_a_real_address_for_ncbi_and_any_address_for_a_stand_in_are_accepted(
    standin: EutilsStandIn,
) -> None:
    EutilsClient("https://eutils.ncbi.nlm.nih.gov/entrez/eutils", email="md@clinic.org", tool=TOOL)
    with EutilsClient(standin.base_url, email="you@clinic.example", tool=TOOL) as client:
        assert client.esearch("ketamine").count > 0
