"""A local stand-in for NCBI E-utilities (``esearch``, ``efetch``) serving real PubMed records.

Tests and the demo talk real HTTP to it on 127.0.0.1. It copies NCBI's documented behaviour:
ids newest PMID first, at most the first 9,999 ids of a query, NCBI's own error for
``retstart`` past 9998, the History server (WebEnv / query_key, which has no such cap), 429
with NCBI's JSON body past 3 (or, with a key, 10) requests in any rolling second, and the real
PubmedArticleSet prolog around each record's original bytes. It records every request and
can be scripted to fail (429, 5xx, resets, slow or truncated answers) so retries are testable.

    with EutilsStandIn(records=[Path("data/ketamine/ketamine-records.xml")]) as standin:
        client = EutilsClient(standin.base_url, email=..., tool=...)

From the shell: ``python -m pubmed.standin.server --xml FILE... --port N``."""

from __future__ import annotations

import argparse
import io
import signal
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from http.server import ThreadingHTTPServer
from pathlib import Path

from pubmed.query import QuerySyntaxError, compile_query
from pubmed.standin.answers import (
    DATETYPES,
    ESEARCH_CAP,
    PUBMED_PROLOG,
    RETSTART_ERROR,
    date_window,
    dated_within,
    fetch_error,
    newest_first,
    search_answer,
    search_error,
)
from pubmed.standin.faults import Fault, FaultPolicy, LoggedRequest
from pubmed.standin.http import StandInHandler, StandInServer
from pubmed.standin.records import StoredRecord, load_records, read_records


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
        server = StandInServer((self.host, self._port), StandInHandler)
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
        self._order = tuple(sorted(self._records.values(), key=newest_first))

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
            return search_error(400, "this stand-in serves db=pubmed only", as_json)
        if not p.get("term", "").strip():
            return search_error(200, "Empty term and query_key - nothing todo", as_json)
        try:
            query = compile_query(p["term"])
            window = date_window(p)
            retstart, retmax = int(p.get("retstart", 0)), min(int(p.get("retmax", 20)), 10000)
        except (QuerySyntaxError, ValueError) as exc:
            return search_error(400, f"Invalid query: {exc}", as_json)
        if retstart > ESEARCH_CAP - 1:
            return search_error(400, RETSTART_ERROR, as_json)
        datetype, lo, hi = window
        found = [
            r.pmid
            for r in self._order
            if dated_within(r, datetype, lo, hi) and query.matches(r.document)
        ]
        ids = found[: self.max_results][retstart : retstart + max(retmax, 0)]
        result = {"count": str(len(found)), "retmax": str(len(ids)), "retstart": str(retstart)}
        if p.get("usehistory", "").lower() == "y":
            result["querykey"], result["webenv"] = self._remember(p.get("WebEnv"), found)
        return search_answer(result, ids, p["term"], as_json)

    def _remember(self, webenv: str | None, found: list[str]) -> tuple[str, str]:
        with self._lock:
            if webenv not in self._history:
                webenv = f"MCID_{uuid.uuid4().hex[:24]}"
                self._history[webenv] = []
            self._history[webenv].append(found)
            return str(len(self._history[webenv])), webenv

    def _efetch(self, p: Mapping[str, str]) -> tuple[int, str, bytes]:
        if p.get("db", "pubmed") != "pubmed" or p.get("retmode", "xml") != "xml":
            return fetch_error(400, "this stand-in serves db=pubmed retmode=xml only")
        try:
            ids = self._fetch_ids(p)
        except (KeyError, IndexError, ValueError) as exc:
            return fetch_error(400, f"Cannot retrieve history data or ids: {exc}")
        if not ids:
            return fetch_error(400, "Empty id list - nothing todo")
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
