"""A local stand-in for NCBI E-utilities (``esearch``, ``efetch``) serving real PubMed records.

Tests and the demo talk real HTTP to it on 127.0.0.1. It copies NCBI's documented behaviour:
ids newest PMID first, at most the first 9,999 ids of a query, NCBI's own error for
``retstart`` past 9998, the History server (WebEnv / query_key, which has no such cap), 429
with NCBI's JSON body past 3 (or, with a key, 10) requests in any rolling second, and the real
PubmedArticleSet prolog around each record's original bytes. It records every request and
can be scripted to fail (429, 5xx, resets, slow or truncated answers) so retries are testable.

    with EutilsStandIn(records=[Path("data/ketamine/ketamine-records.xml")]) as standin:
        client = EutilsClient(standin.base_url, email=..., tool=...)

From the shell: ``python -m pubmed.standin.server --xml FILE... --port N``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import signal
import socket
import struct
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from core.article import Article, Deletion
from pubmed.files import open_xml
from pubmed.parser import parse_deletions, parse_record, split_records
from pubmed.query import QuerySyntaxError, SearchDocument, compile_query

ESEARCH_CAP = 9999
PUBMED_PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
ESEARCH_PROLOG = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
    'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
# NCBI's wording, as its servers send it (one line break after "Exception:").
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect that contains additional logic to batch "
    "PubMed search results automatically so that an arbitrary number can be retrieved. For "
    "details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
DATETYPES = ("edat", "crdt", "mdat", "pdat")
FAULT_KINDS = frozenset({"429", "500", "502", "503", "reset", "slow", "truncate", "error"})


@dataclass(frozen=True)
class Fault:
    """One scripted failure for the next request to ``endpoint`` ("esearch", "efetch", "*")."""

    endpoint: str
    kind: str
    seconds: float = 0.0  # "slow": delay before answering; "429": Retry-After

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")


@dataclass
class FaultPolicy:
    """Fail every ``every``-th matching request, or each with ``probability`` (seeded)."""

    kinds: Sequence[str] = ("500",)
    endpoint: str = "*"
    every: int = 0
    probability: float = 0.0
    seed: int = 0
    _seen: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def draw(self, endpoint: str) -> Fault | None:
        if self.endpoint not in ("*", endpoint):
            return None
        self._seen += 1
        hit = (self.every and self._seen % self.every == 0) or (
            self.probability and self._rng.random() < self.probability
        )
        return Fault(endpoint, self._rng.choice(list(self.kinds))) if hit else None


@dataclass(frozen=True)
class LoggedRequest:
    """What the stand-in saw and answered, for tests to assert on."""

    method: str
    path: str
    endpoint: str
    params: Mapping[str, str]
    timestamp: float  # the stand-in's clock (time.monotonic) when the connection was accepted
    status: int  # 0 when the connection was reset, -1 while the answer is pending
    bytes: int
    api_key: str | None
    client: str
    fault: str | None
    violations: tuple[str, ...]


@dataclass(frozen=True)
class StoredRecord:
    """A served record: its original bytes, what queries search, and its dates by type."""

    pmid: str
    raw: bytes
    document: SearchDocument
    dates: Mapping[str, date | None]

    @classmethod
    def from_article(cls, article: Article, raw: bytes) -> StoredRecord:
        year = date(article.year, 1, 1) if article.year else None
        crdt = article.created_date or article.entry_date or year
        dates = {
            "edat": article.entry_date or crdt,
            "crdt": crdt,
            "mdat": article.revised_date or crdt,
            "pdat": year,
        }
        return cls(article.pmid, raw, SearchDocument.from_article(article), dates)


def read_records(stream: BinaryIO) -> tuple[list[StoredRecord], list[str]]:
    """Split and parse a PubmedArticleSet into records to serve and PMIDs to delete."""
    records: list[StoredRecord] = []
    deleted: list[str] = []
    for chunk in split_records(stream):
        if chunk.startswith(b"<DeleteCitation"):
            deleted += [
                d.pmid for d in parse_deletions(chunk) if isinstance(d, Deletion) and d.pmid
            ]
            continue
        parsed = parse_record(chunk)
        if isinstance(parsed, Article):
            records.append(StoredRecord.from_article(parsed, chunk))
    return records, deleted


def load_records(sources: Iterable[Path | str | bytes]) -> list[StoredRecord]:
    """Records from PubMed XML files (plain or gzip, by content) or in-memory documents."""
    out: list[StoredRecord] = []
    for source in sources:
        if isinstance(source, bytes):
            out += read_records(io.BytesIO(source))[0]
            continue
        with open_xml(source) as stream:
            out += read_records(stream)[0]
    return out


class EutilsStandIn:
    """A threaded E-utilities look-alike on 127.0.0.1, started and stopped from Python."""

    def __init__(
        self,
        records: Iterable[Path | str | bytes | StoredRecord] = (),
        *,
        api_keys: Collection[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_results: int = ESEARCH_CAP,
        retry_after: float = 2,
        undated_as: date | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock  # arrival times for the rate limit and the log; tests may freeze it
        self.undated_as = undated_as  # for records with no date at all (some reconstructed ones)
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.max_results, self.retry_after = max_results, retry_after
        self.host, self._port = host, port
        self._lock = threading.RLock()
        self._records: dict[str, StoredRecord] = {}
        self._order: tuple[StoredRecord, ...] = ()
        self._history: dict[str, list[list[str]]] = {}
        self._faults: deque[Fault] = deque()
        self._policy: FaultPolicy | None = None
        self._arrivals: dict[str, deque[float]] = defaultdict(deque)
        self._log: list[LoggedRequest] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        items = list(records)
        stored = [r for r in items if isinstance(r, StoredRecord)]
        self._put(stored + load_records(r for r in items if not isinstance(r, StoredRecord)))

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> EutilsStandIn:
        """Bind (port 0 picks a free one) and serve from a background thread."""
        server = _Server((self.host, self._port), _Handler)
        server.standin, server.accepted = self, {}
        self._server, self._stopping = server, threading.Event()
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow answers in flight are released."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EutilsStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/entrez/eutils"

    # -- records --------------------------------------------------------------------------

    @property
    def pmids(self) -> list[str]:
        """Served PMIDs, newest first."""
        return [r.pmid for r in self._order]

    def add_xml(self, data: bytes) -> list[str]:
        """Add or replace the records of a PubmedArticleSet; its DeleteCitations delete."""
        records, deleted = read_records(io.BytesIO(data))
        self._put(records)
        for pmid in deleted:
            self.delete(pmid)
        return [r.pmid for r in records]

    def replace(self, pmid: str, xml: bytes) -> None:
        """Serve a revised version of ``pmid`` (a bare record element or a whole set)."""
        if xml.lstrip().startswith((b"<PubmedArticle>", b"<PubmedArticle ", b"<PubmedBook")):
            xml = PUBMED_PROLOG + b"<PubmedArticleSet>\n" + xml + b"\n</PubmedArticleSet>\n"
        records, _ = read_records(io.BytesIO(xml))
        if [r.pmid for r in records] != [pmid]:
            raise ValueError(f"expected exactly one record with PMID {pmid}")
        self._put(records)

    def delete(self, pmid: str) -> None:
        with self._lock:
            self._records.pop(pmid, None)
            self._reindex()

    def _put(self, records: Iterable[StoredRecord]) -> None:
        if self.undated_as is not None:
            dates = dict.fromkeys(DATETYPES, self.undated_as)
            records = [r if r.dates["crdt"] else replace(r, dates=dates) for r in records]
        with self._lock:
            self._records.update((r.pmid, r) for r in records)
            self._reindex()

    def _reindex(self) -> None:
        # Newest PMID first; an id that is not a PMID (to test clients against) goes last.
        self._order = tuple(sorted(self._records.values(), key=_newest_first))

    # -- faults and the log ---------------------------------------------------------------

    def script_faults(self, faults: Iterable[Fault]) -> None:
        """Queue faults; each is used once, by the next request to its endpoint."""
        with self._lock:
            self._faults.extend(faults)

    def fail_randomly(self, policy: FaultPolicy | None) -> None:
        """Install (or with None, remove) a standing fault policy for soak tests."""
        with self._lock:
            self._policy = policy

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def violations(self) -> list[str]:
        return [v for r in self.requests for v in r.violations]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._arrivals.clear()

    def max_requests_in_window(self, window: float = 1.0, client: str | None = None) -> int:
        """The most request arrivals in any rolling ``window`` seconds, for one or all clients."""
        times = sorted(r.timestamp for r in self.requests if client in (None, r.client))
        best, first = 0, 0
        for i, t in enumerate(times):
            while t - times[first] >= window:
                first += 1
            best = max(best, i - first + 1)
        return best

    def _admit(
        self, endpoint: str, client: str, limit: int, now: float
    ) -> tuple[int, Fault | None]:
        """Count the arrival in its client's rolling second; over the limit wins over faults."""
        with self._lock:
            arrivals = self._arrivals[client]
            while arrivals and now - arrivals[0] >= 1.0:
                arrivals.popleft()
            arrivals.append(now)
            if len(arrivals) > limit:
                return len(arrivals), None
            for fault in self._faults:
                if fault.endpoint in ("*", endpoint):
                    self._faults.remove(fault)
                    return 0, fault
            return 0, self._policy.draw(endpoint) if self._policy else None

    def _record(self, entry: LoggedRequest, slot: int | None = None) -> int:
        with self._lock:
            if slot is None:
                self._log.append(entry)
                return len(self._log) - 1
            if slot < len(self._log) and self._log[slot].timestamp == entry.timestamp:
                self._log[slot] = entry  # (unless clear_log emptied the log meanwhile)
            return slot

    # -- answers --------------------------------------------------------------------------

    def answer(self, endpoint: str, params: Mapping[str, str]) -> tuple[int, str, bytes]:
        """Status, content type and body for a request that is neither limited nor faulted."""
        if endpoint == "esearch":
            return self._esearch(params)
        if endpoint == "efetch":
            return self._efetch(params)
        return 404, "text/plain", f"unknown E-utility {endpoint!r}\n".encode()

    def _esearch(self, p: Mapping[str, str]) -> tuple[int, str, bytes]:
        as_json = p.get("retmode", "xml") == "json"
        if p.get("db", "pubmed") != "pubmed":
            return _search_error(400, "this stand-in serves db=pubmed only", as_json)
        if not p.get("term", "").strip():
            return _search_error(200, "Empty term and query_key - nothing todo", as_json)
        try:
            query = compile_query(p["term"])
            window = _date_window(p)
            retstart, retmax = int(p.get("retstart", 0)), min(int(p.get("retmax", 20)), 10000)
        except (QuerySyntaxError, ValueError) as exc:
            return _search_error(400, f"Invalid query: {exc}", as_json)
        if retstart > ESEARCH_CAP - 1:
            return _search_error(400, RETSTART_ERROR, as_json)
        datetype, lo, hi = window
        found = [
            r.pmid
            for r in self._order
            if _dated_within(r, datetype, lo, hi) and query.matches(r.document)
        ]
        ids = found[: self.max_results][retstart : retstart + max(retmax, 0)]
        result = {"count": str(len(found)), "retmax": str(len(ids)), "retstart": str(retstart)}
        if p.get("usehistory", "").lower() == "y":
            result["querykey"], result["webenv"] = self._remember(p.get("WebEnv"), found)
        return _search_answer(result, ids, p["term"], as_json)

    def _remember(self, webenv: str | None, found: list[str]) -> tuple[str, str]:
        with self._lock:
            if webenv not in self._history:
                webenv = f"MCID_{uuid.uuid4().hex[:24]}"
                self._history[webenv] = []
            self._history[webenv].append(found)
            return str(len(self._history[webenv])), webenv

    def _efetch(self, p: Mapping[str, str]) -> tuple[int, str, bytes]:
        if p.get("db", "pubmed") != "pubmed" or p.get("retmode", "xml") != "xml":
            return _fetch_error(400, "this stand-in serves db=pubmed retmode=xml only")
        try:
            ids = self._fetch_ids(p)
        except (KeyError, IndexError, ValueError) as exc:
            return _fetch_error(400, f"Cannot retrieve history data or ids: {exc}")
        if not ids:
            return _fetch_error(400, "Empty id list - nothing todo")
        records = self._records
        body = b"\n".join(records[i].raw for i in dict.fromkeys(ids) if i in records)
        return (
            200,
            "text/xml; charset=UTF-8",
            (PUBMED_PROLOG + b"<PubmedArticleSet>\n" + body + b"\n</PubmedArticleSet>\n"),
        )

    def _fetch_ids(self, p: Mapping[str, str]) -> list[str]:
        if p.get("id"):
            return [i.strip() for i in p["id"].split(",") if i.strip()]
        if not p.get("WebEnv"):
            return []
        found = self._history[p["WebEnv"]][int(p.get("query_key", 1)) - 1]
        start = int(p.get("retstart", 0))
        return found[start : start + min(int(p.get("retmax", 20)), 10000)]


def _newest_first(record: StoredRecord) -> tuple[int, str]:
    return (-int(record.pmid), "") if record.pmid.isdigit() else (1, record.pmid)


def _dated_within(record: StoredRecord, datetype: str, lo: date | None, hi: date | None) -> bool:
    if lo is None or hi is None:
        return True
    when = record.dates.get(datetype)
    return when is not None and lo <= when <= hi


def _date_window(p: Mapping[str, str]) -> tuple[str, date | None, date | None]:
    """The datetype and inclusive day range a search is limited to, if any."""
    datetype = p.get("datetype", "pdat").lower()
    if datetype not in DATETYPES:
        raise ValueError(f"unsupported datetype {datetype!r}")
    if p.get("reldate"):
        today = date.today()
        return datetype, today - timedelta(days=int(p["reldate"])), today
    if not p.get("mindate") and not p.get("maxdate"):
        return datetype, None, None
    if not (p.get("mindate") and p.get("maxdate")):
        raise ValueError("mindate and maxdate must be given together")
    return datetype, _ncbi_day(p["mindate"], last=False), _ncbi_day(p["maxdate"], last=True)


def _ncbi_day(text: str, *, last: bool) -> date:
    """YYYY/MM/DD, YYYY/MM or YYYY; a partial date is its first (or ``last``) day."""
    parts = [int(x) for x in text.replace("-", "/").split("/")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1) if last else first
    if len(parts) == 1:
        return date(parts[0], 12, 31) if last else date(parts[0], 1, 1)
    raise ValueError(f"bad date {text!r}")


def _search_answer(
    result: dict[str, str], ids: list[str], term: str, as_json: bool
) -> tuple[int, str, bytes]:
    if as_json:
        doc = {**result, "idlist": ids, "translationset": [], "querytranslation": term}
        body = {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": doc}
        return 200, "application/json; charset=UTF-8", json.dumps(body).encode()
    history = ""
    if "webenv" in result:
        history = f"<QueryKey>{result['querykey']}</QueryKey><WebEnv>{result['webenv']}</WebEnv>"
    id_list = "".join(f"<Id>{i}</Id>\n" for i in ids)
    text = (
        f"{ESEARCH_PROLOG}<eSearchResult><Count>{result['count']}</Count>"
        f"<RetMax>{result['retmax']}</RetMax><RetStart>{result['retstart']}</RetStart>{history}"
        f"<IdList>\n{id_list}</IdList><TranslationSet/>"
        f"<QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>\n"
    )
    return 200, "text/xml; charset=UTF-8", text.encode()


def _search_error(status: int, message: str, as_json: bool) -> tuple[int, str, bytes]:
    if as_json:
        body = {
            "header": {"type": "esearch", "version": "0.3"},
            "esearchresult": {"ERROR": message},
        }
        return status, "application/json; charset=UTF-8", json.dumps(body).encode()
    text = f"{ESEARCH_PROLOG}<eSearchResult><ERROR>{escape(message)}</ERROR></eSearchResult>\n"
    return status, "text/xml; charset=UTF-8", text.encode()


def _fetch_error(status: int, message: str) -> tuple[int, str, bytes]:
    text = (
        f'<?xml version="1.0" ?>\n<eFetchResult><ERROR>{escape(message)}</ERROR></eFetchResult>\n'
    )
    return status, "text/xml; charset=UTF-8", text.encode()


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: EutilsStandIn
    accepted: dict[object, float]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Stamp arrival at accept time, before a handler thread is even started."""
        self.accepted[request] = self.standin.clock()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.accepted.pop(request, None)  # a request that never reached a handler method
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out or reset are part of the tests; stay quiet about them."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "EutilsStandIn/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """The request log is ``standin.requests``; nothing goes to stderr."""

    def _params(self) -> dict[str, str]:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        if self.command == "POST" and length:
            params.update(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        return params

    def _serve(self) -> None:
        standin = self.server.standin
        now = self.server.accepted.pop(self.request, None)
        now = standin.clock() if now is None else now
        params = self._params()
        endpoint = urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        key = params.get("api_key") or None
        client = key or self.client_address[0]
        refusal, fault = self._gate(standin, endpoint, key, client, now)
        missing = [p for p in ("tool", "email") if not params.get(p)]
        entry = LoggedRequest(
            method=self.command,
            path=self.path,
            endpoint=endpoint,
            params=params,
            timestamp=now,
            status=-1,
            bytes=0,
            api_key=key,
            client=client,
            fault=fault.kind if fault else None,
            violations=tuple(f"{endpoint} request without {p}" for p in missing),
        )
        slot = standin._record(entry)  # on arrival, so even a slow answer is in the log
        reply = refusal or self._answer(standin, endpoint, params, fault)
        reset = fault is not None and fault.kind == "reset"
        status, size = (0, 0) if reset else (reply.status, len(reply.body))
        standin._record(replace(entry, status=status, bytes=size), slot)  # before answering
        if reset:
            self._reset()
        else:
            self._send(reply)

    def _gate(
        self, standin: EutilsStandIn, endpoint: str, key: str | None, client: str, now: float
    ) -> tuple[_Reply | None, Fault | None]:
        """NCBI's order: the key is checked, then the rate limit, then any scripted fault."""
        if key is not None and standin.api_keys is not None and key not in standin.api_keys:
            error = {"error": "API key invalid", "api-key": key, "type": "invalid"}
            return _Reply(400, "application/json", json.dumps(error).encode()), None
        limit = 10 if key else 3
        count, fault = standin._admit(endpoint, client, limit, now)
        if count or (fault and fault.kind == "429"):
            seconds = fault.seconds if fault and fault.seconds else standin.retry_after
            error = {"error": "API rate limit exceeded", "api-key": client}
            error |= {"count": str(count or limit + 1), "limit": str(limit)}
            body = json.dumps(error, separators=(",", ":")).encode()
            return _Reply(429, "application/json", body, {"Retry-After": f"{seconds:g}"}), fault
        return None, fault

    def _answer(
        self, standin: EutilsStandIn, endpoint: str, params: Mapping[str, str], fault: Fault | None
    ) -> _Reply:
        kind = fault.kind if fault else ""
        if kind in ("500", "502", "503"):
            return _Reply(int(kind), "text/html", b"<html><body>Server Error</body></html>")
        if kind == "error" and endpoint == "esearch":
            return _Reply(*_search_error(200, "Search Backend failed: scripted fault", False))
        if kind == "error":
            return _Reply(*_fetch_error(200, "Unable to fetch records: scripted fault"))
        if fault and kind == "slow":
            standin._stopping.wait(fault.seconds)
        status, ctype, body = standin.answer(endpoint, params)
        if kind == "truncate":
            body = body[: len(body) // 2]
        return _Reply(status, ctype, body)

    def _send(self, reply: _Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (a timeout test); nothing to send to
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP RST, as a failing proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def main(argv: Sequence[str] | None = None) -> int:
    """Serve PubMed XML files as E-utilities until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m pubmed.standin.server", description=__doc__)
    parser.add_argument("--xml", nargs="+", type=Path, help="PubMed XML files (plain or .gz)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", action="append", help="accept only these keys")
    args = parser.parse_args(argv)
    default = Path(__file__).resolve().parents[2] / "data" / "ketamine" / "ketamine-records.xml"
    standin = EutilsStandIn(
        args.xml or [default], api_keys=args.api_key, host=args.host, port=args.port
    )
    with standin:
        served = len(standin.pmids)
        print(f"E-utilities stand-in serving {served} records at {standin.base_url}", flush=True)
        # Handle SIGINT and SIGTERM explicitly: a shell's background job inherits SIGINT ignored.
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
