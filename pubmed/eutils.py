"""HTTP to NCBI E-utilities, and the only module that does it.

NCBI's rules live here: ``tool`` and a real ``email`` on every request, the API key when there
is one, at most 3 request starts in any second without a key (10 with one), long id lists
POSTed, explicit timeouts, and bounded retries with backoff for what is transient (429, 5xx,
resets, timeouts, bodies cut short or carrying an in-band ``<ERROR>``). Answers are streamed
with a size cap, efetch bodies straight to disk. What retrying cannot fix raises a typed error
at once: a bad query, the 9,999-record ESearch cap, an answer over the cap, a redirect to
another host, a server that cannot be reached within a short budget.
"""

from __future__ import annotations

import io
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3.exceptions

from pubmed.etiquette import (
    NCBI_HOST,
    RateLimiter,
    check_identity,
    is_ncbi,
    shared_limiter,
)
from pubmed.replies import (
    BodyScan,
    EutilsConfigError,
    EutilsError,
    EutilsHTTPError,
    EutilsQueryError,
    EutilsRedirectError,
    EutilsRetryExhausted,
    EutilsUnreachable,
    InvalidPmidError,
    ResponseTooLarge,
    ResultCapError,
    SearchResult,
    Transient,
    check_pmids,
    parse_esearch,
    refusal,
    retry_after,
    scan_pubmed_xml,
)
from pubmed.window import ESEARCH_CAP, split_window

__all__ = [
    "ESEARCH_CAP",
    "NCBI_HOST",
    "BodyScan",
    "EutilsClient",
    "EutilsConfigError",
    "EutilsError",
    "EutilsHTTPError",
    "EutilsQueryError",
    "EutilsRedirectError",
    "EutilsRetryExhausted",
    "EutilsUnreachable",
    "InvalidPmidError",
    "RateLimiter",
    "ResponseTooLarge",
    "ResultCapError",
    "SearchResult",
    "check_identity",
    "check_reachable",
    "is_ncbi",
    "parse_esearch",
    "split_window",
]

T = TypeVar("T")

POST_MIN_IDS = 200  # NCBI: POST when the list holds 200 or more ids...
POST_MIN_CHARS = 1000  # ...or the encoded parameters pass 1,000 characters
CONNECT_TIMEOUT = 10.0
MAX_BACKOFF = 60.0
# Real efetch answers of 200 records are a few MB; the cap only stops the absurd. A single
# record over the parser's 64 MiB cap is quarantined by the parser, not refused here.
MAX_RESPONSE_BYTES = 256 << 20
MAX_SEARCH_BYTES = 16 << 20  # 9,999 ids are ~200 kB
# A server that cannot be connected to at all gets this many retries, not max_retries: with
# NCBI down or the network gone, the nightly job says so in seconds, not after minutes.
CONNECT_RETRIES = 2
MAX_REDIRECTS = 3  # same-host redirects only; another host is refused
_ERRNO = re.compile(r"\[Errno -?\d+\] [^')\"]+|Name or service not known|timed out", re.I)


def check_reachable(
    base_url: str,
    *,
    attempts: int = CONNECT_RETRIES + 1,
    timeout: float = CONNECT_TIMEOUT,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Open (and close) a TCP connection to the server, or its proxy, sending nothing.

    Lets the command line say "cannot reach" in seconds, before starting anything slow.
    """
    parts = urlsplit(base_url)
    proxy = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))
    target = urlsplit(proxy) if proxy else parts
    host = target.hostname or ""
    port = target.port or (443 if target.scheme == "https" else 80)
    reason = "no attempt made"
    for attempt in range(attempts):
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return
        except OSError as exc:
            reason = f"{type(exc).__name__}: {exc.strerror or exc}"
        if attempt + 1 < attempts:
            sleep(0.5 * 2**attempt)
    via = f" (through the proxy {host}:{port})" if proxy else ""
    raise EutilsUnreachable(base_url + via, attempts, reason)


class EutilsClient:
    """ESearch and EFetch for PubMed, within NCBI's usage rules.

    ``max_retries`` counts retries after the first attempt; the backoff before retry ``n``
    is ``backoff_base * 2**n`` with jitter (at least Retry-After on a 429), capped at 60 s.
    Failures to connect at all get ``connect_retries`` instead. One client may be shared by
    threads: they pace together.
    """

    def __init__(
        self,
        base_url: str,
        *,
        email: str,
        tool: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff_base: float = 1.0,
        connect_retries: int = CONNECT_RETRIES,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_identity(base_url, email, tool)
        self.base_url = base_url.rstrip("/")
        self.email, self.tool, self.api_key = email, tool, api_key or None
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.max_retries, self.backoff_base = max_retries, backoff_base
        self.connect_retries, self.max_response_bytes = connect_retries, max_response_bytes
        self._session = session or requests.Session()
        self._sleep = sleep
        # A private clock (tests) gets a private limiter; the real one is shared per process.
        if clock is time.monotonic:
            self._limiter = shared_limiter(self.base_url, self.api_key)
        else:
            self._limiter = RateLimiter(10 if self.api_key else 3, clock)
        self._count_lock = threading.Lock()
        self.request_count = 0

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ESearch -------------------------------------------------------------------------

    def esearch(
        self,
        term: str,
        *,
        datetype: str | None = None,
        mindate: date | str | None = None,
        maxdate: date | str | None = None,
        retstart: int = 0,
        retmax: int = ESEARCH_CAP,
        usehistory: bool = True,
    ) -> SearchResult:
        """Run one ESearch on PubMed and return its count, ids and history handle."""
        params = {"db": "pubmed", "term": term, "retmode": "xml"}
        params |= {"retstart": str(retstart), "retmax": str(retmax)}
        if usehistory:
            params["usehistory"] = "y"
        if datetype:
            params["datetype"] = datetype
        if mindate is not None or maxdate is not None:
            params["mindate"], params["maxdate"] = _ncbi_date(mindate), _ncbi_date(maxdate)
        return self._call("esearch", params, self._in_memory(parse_esearch, MAX_SEARCH_BYTES))

    def search_ids(self, term: str, *, datetype: str, start: date, end: date) -> list[str]:
        """All ids matching ``term`` with a ``datetype`` date in [start, end], each once.

        A window holding more than ESearch's 9,999 is split by date and each part searched
        again. The first request of a window already asks for its ids: a separate count
        would cost a request per window, and requests per second are the bottleneck.
        """
        if start > end:
            raise ValueError(f"window starts after it ends: {start} > {end}")
        found: dict[str, None] = {}
        self._collect(term, datetype, start, end, found)
        return list(found)

    def _collect(
        self, term: str, datetype: str, start: date, end: date, found: dict[str, None]
    ) -> None:
        result = self.esearch(term, datetype=datetype, mindate=start, maxdate=end, usehistory=False)
        if result.count <= ESEARCH_CAP:
            found.update(dict.fromkeys(result.ids))
            return
        if start == end:
            raise ResultCapError(
                f"{result.count} PubMed records match {term!r} with {datetype} {start:%Y/%m/%d}, "
                f"more than the {ESEARCH_CAP:,} ESearch can list for one query and one day; "
                "narrow the query"
            )
        for lo, hi in split_window(start, end, result.count):
            self._collect(term, datetype, lo, hi, found)

    # -- EFetch --------------------------------------------------------------------------

    def efetch(self, ids: Sequence[str]) -> bytes:
        """Fetch PubMed XML for a few ids into memory, verified complete before it is returned."""
        params = {"db": "pubmed", "id": ",".join(_ids_to_fetch(ids)), "retmode": "xml"}
        return self._call("efetch", params, self._in_memory(_verified, self.max_response_bytes))

    def efetch_to(self, ids: Sequence[str], path: Path) -> BodyScan:
        """Stream PubMed XML for ``ids`` into ``path`` (never held in memory) and verify it.

        Raises ResponseTooLarge, not a retry, for an answer over the cap: the caller asks
        again for fewer ids. On any failure ``path`` may hold a partial body.
        """
        wanted = _ids_to_fetch(ids)
        params = {"db": "pubmed", "id": ",".join(wanted), "retmode": "xml"}

        def receive(resp: requests.Response, url: str) -> BodyScan:
            with Path(path).open("wb") as out:
                self._read_capped(resp, url, out.write, self.max_response_bytes, wanted)
            with Path(path).open("rb") as body:
                return scan_pubmed_xml(body)

        return self._call("efetch", params, receive)

    def efetch_history(self, webenv: str, query_key: str, retstart: int, retmax: int) -> bytes:
        """Fetch one slice of a result set kept on the History server."""
        params = {"db": "pubmed", "WebEnv": webenv, "query_key": str(query_key)}
        params |= {"retstart": str(retstart), "retmax": str(retmax), "retmode": "xml"}
        return self._call("efetch", params, self._in_memory(_verified, self.max_response_bytes))

    # -- HTTP ----------------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        params: Mapping[str, str],
        receive: Callable[[requests.Response, str], T],
    ) -> T:
        """Send with retries: transient failures back off and retry, the rest raise."""
        url = f"{self.base_url}/{endpoint}.fcgi"
        full = {**params, "tool": self.tool, "email": self.email}
        if self.api_key:
            full["api_key"] = self.api_key
        ids = full.get("id", "")
        post = ids.count(",") + 1 >= POST_MIN_IDS or len(urlencode(full)) > POST_MIN_CHARS
        last = Transient("no attempt made")
        unreachable = 0
        for attempt in range(self.max_retries + 1):
            try:
                with self._attempt(endpoint, url, full, post) as resp:
                    return receive(resp, url)
            except Transient as exc:
                last, unreachable = exc, unreachable + 1 if exc.connect else 0
                if unreachable > self.connect_retries:
                    raise EutilsUnreachable(self.base_url, unreachable, exc.reason) from None
                if attempt < self.max_retries:
                    self._sleep(max(exc.wait, self._backoff(attempt)))
        if last.connect:
            raise EutilsUnreachable(self.base_url, unreachable, last.reason)
        raise EutilsRetryExhausted(url, self.max_retries + 1, last.reason)

    def _attempt(
        self, endpoint: str, url: str, params: dict[str, str], post: bool
    ) -> requests.Response:
        """One request, following only same-host redirects; a 200 is returned unread."""
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._send(url, params, post)
            if not resp.is_redirect:
                return _checked(endpoint, url, resp)
            target = urljoin(url, resp.headers["Location"])
            resp.close()
            if _origin(target) != _origin(url):
                raise EutilsRedirectError(
                    f"E-utilities at {url} redirected to another host ({target}); "
                    "refused: requests never follow a redirect off the configured host"
                )
            url = target
        raise EutilsRedirectError(f"E-utilities redirected more than {MAX_REDIRECTS} times")

    def _send(self, url: str, params: dict[str, str], post: bool) -> requests.Response:
        self._limiter.wait(self._sleep)
        with self._count_lock:
            self.request_count += 1
        options = {"timeout": self.timeout, "stream": True, "allow_redirects": False}
        try:
            if post:
                return self._session.post(url, data=params, **options)  # type: ignore[arg-type]
            return self._session.get(url, params=params, **options)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise Transient(_describe(exc), connect=_is_connect_failure(exc)) from exc

    def _in_memory(
        self, decode: Callable[[bytes], T], cap: int
    ) -> Callable[[requests.Response, str], T]:
        def receive(resp: requests.Response, url: str) -> T:
            buffer = io.BytesIO()
            self._read_capped(resp, url, buffer.write, cap, ())
            return decode(buffer.getvalue())

        return receive

    @staticmethod
    def _read_capped(
        resp: requests.Response,
        url: str,
        write: Callable[[bytes], object],
        cap: int,
        ids: Sequence[str],
    ) -> int:
        """Stream the body into ``write``; past ``cap`` bytes stop and raise ResponseTooLarge."""
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(url, cap, ids)
        total = 0
        try:
            for chunk in resp.iter_content(1 << 20):
                total += len(chunk)
                if total > cap:
                    raise ResponseTooLarge(url, cap, ids)
                write(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise Transient(f"answer cut off: {_describe(exc)}") from exc
        return total

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so parallel clients do not retry in step."""
        ceiling = min(MAX_BACKOFF, self.backoff_base * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def _checked(endpoint: str, url: str, resp: requests.Response) -> requests.Response:
    """Return a 200 unread; turn anything else into a retry or a typed error."""
    if resp.status_code == 200:
        return resp
    with resp:
        head = b"".join(_first(resp, 64 << 10))
    text = head[:200].decode("utf-8", "replace")
    if resp.status_code == 429:
        raise Transient(f"HTTP 429: {text}", wait=retry_after(resp.headers.get("Retry-After", "")))
    if resp.status_code >= 500:
        raise Transient(f"HTTP {resp.status_code}: {text}")
    raise refusal(endpoint, url, resp.status_code, head)


def _first(resp: requests.Response, limit: int) -> list[bytes]:
    """Up to ``limit`` bytes of an error body; a failure reading it is not worth more."""
    out: list[bytes] = []
    try:
        for chunk in resp.iter_content(8192):
            out.append(chunk)
            limit -= len(chunk)
            if limit <= 0:
                break
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        pass
    return out


def _verified(body: bytes) -> bytes:
    scan_pubmed_xml(io.BytesIO(body))
    return body


def _ids_to_fetch(ids: Sequence[str]) -> list[str]:
    wanted = check_pmids(ids)
    if not wanted:
        raise ValueError("efetch needs at least one id")
    return wanted


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _is_connect_failure(exc: BaseException) -> bool:
    """No connection was made at all (refused, no route, no name, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: BaseException | None = exc
    while seen is not None:
        reason = getattr(seen, "reason", None)
        if isinstance(seen, urllib3.exceptions.NewConnectionError) or isinstance(
            reason, urllib3.exceptions.NewConnectionError
        ):
            return True
        args = getattr(seen, "args", ())
        nested = args[0] if args and isinstance(args[0], BaseException) else None
        seen = nested or seen.__cause__ or seen.__context__
    return False


def _describe(exc: BaseException) -> str:
    """One short line for a requests failure: its errno text when it has one."""
    text = str(exc)
    found = _ERRNO.search(text)
    return f"{type(exc).__name__}: {found.group(0).strip() if found else text[:200]}"


def _ncbi_date(value: date | str | None) -> str:
    if value is None:
        raise ValueError("mindate and maxdate go together")
    return value.strftime("%Y/%m/%d") if isinstance(value, date) else value
