"""HTTP to NCBI E-utilities, and the only module that does it.

NCBI's rules live here: ``tool`` and ``email`` on every request, the API key when there is
one, at most 3 request starts in any second without a key (10 with one), long id lists
POSTed, explicit timeouts, and bounded retries with backoff for what is transient (429, 5xx,
resets, timeouts, bodies cut short or carrying an in-band ``<ERROR>``). What retrying cannot
fix (a bad query, the 9,999-record ESearch cap) raises a typed error at once.
"""

from __future__ import annotations

import io
import math
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlencode

import requests

from pubmed.parser import HostileXMLError, PubmedXMLError, split_records

T = TypeVar("T")

ESEARCH_CAP = 9999  # PubMed's ESearch returns at most the first 9,999 ids of a query
POST_MIN_IDS = 200  # NCBI: POST when the list holds 200 or more ids...
POST_MIN_CHARS = 1000  # ...or the encoded parameters pass 1,000 characters
CONNECT_TIMEOUT = 10.0
MAX_BACKOFF = 60.0
# Spacing is 1/limit plus this margin, so that scheduling jitter on either side of the
# socket never puts limit + 1 request starts inside one second of the server's clock.
PACING_MARGIN = 0.12
_CAP_ERROR = re.compile(r"cannot be larger than 9998|out of acceptable range", re.I)
_QUERY_ERROR = re.compile(r"syntax|invalid|unbalanced|empty term|nothing todo|unknown field", re.I)
_HOSTILE = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[")


class EutilsError(Exception):
    """Any failure talking to E-utilities."""


class EutilsHTTPError(EutilsError):
    """A status that retrying will not change (4xx other than 429)."""

    def __init__(self, status: int, url: str, body: str) -> None:
        super().__init__(f"HTTP {status} from {url}: {body[:300]}")
        self.status, self.url, self.body = status, url, body


class EutilsQueryError(EutilsError):
    """PubMed refused the query itself; sending it again would fail again."""


class ResultCapError(EutilsError):
    """ESearch cannot list more than 9,999 ids of one query, and this request needs more."""


class EutilsRetryExhausted(EutilsError):
    """Every attempt failed transiently; the last reason is kept."""

    def __init__(self, url: str, attempts: int, reason: str) -> None:
        super().__init__(f"{url}: gave up after {attempts} attempts; last: {reason}")
        self.url, self.attempts, self.reason = url, attempts, reason


class _Transient(Exception):
    """Internal: this attempt failed in a way worth retrying, after at least ``wait`` s."""

    def __init__(self, reason: str, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


@dataclass(frozen=True)
class SearchResult:
    """One ESearch answer."""

    count: int
    ids: tuple[str, ...]
    webenv: str | None = None
    query_key: str | None = None
    query_translation: str | None = None


class RateLimiter:
    """Grant request starts at least ``interval`` apart, across every thread that shares it."""

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = (1.0 + PACING_MARGIN) / per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._last = -math.inf

    def wait(self, sleep: Callable[[float], object] = time.sleep) -> None:
        """Block until this caller may start a request; the grant time is when it was given."""
        while True:
            with self._lock:
                now = self._clock()
                delay = self._last + self.interval - now
                if delay <= 0:
                    self._last = now
                    return
            sleep(delay)


_LIMITERS: dict[tuple[str, str], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(base_url: str, api_key: str | None) -> RateLimiter:
    """The process-wide limiter for one server and key, so separate clients pace together."""
    key = (base_url, api_key or "")
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(10 if api_key else 3)
        return _LIMITERS[key]


class EutilsClient:
    """ESearch and EFetch for PubMed, within NCBI's usage rules.

    ``max_retries`` counts retries after the first attempt; the backoff before retry ``n``
    is ``backoff_base * 2**n`` with jitter (at least Retry-After on a 429), capped at 60 s.
    One client may be shared by threads: they pace together.
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
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not email or not tool:
            raise ValueError("NCBI asks for tool and email on every request")
        self.base_url = base_url.rstrip("/")
        self.email, self.tool, self.api_key = email, tool, api_key or None
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.max_retries, self.backoff_base = max_retries, backoff_base
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
        return self._call("esearch", params, parse_esearch)

    def search_ids(self, term: str, *, datetype: str, start: date, end: date) -> list[str]:
        """All PMIDs matching ``term`` with a ``datetype`` date in [start, end], each once.

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
        """Fetch PubMed XML for ``ids``; the body is verified complete before it is returned."""
        if not ids:
            raise ValueError("efetch needs at least one id")
        params = {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"}
        return self._call("efetch", params, verify_pubmed_xml)

    def efetch_history(self, webenv: str, query_key: str, retstart: int, retmax: int) -> bytes:
        """Fetch one slice of a result set kept on the History server."""
        params = {"db": "pubmed", "WebEnv": webenv, "query_key": str(query_key)}
        params |= {"retstart": str(retstart), "retmax": str(retmax), "retmode": "xml"}
        return self._call("efetch", params, verify_pubmed_xml)

    # -- HTTP ----------------------------------------------------------------------------

    def _call(self, endpoint: str, params: Mapping[str, str], decode: Callable[[bytes], T]) -> T:
        """Send with retries: transient failures back off and retry, the rest raise."""
        url = f"{self.base_url}/{endpoint}.fcgi"
        full = {**params, "tool": self.tool, "email": self.email}
        if self.api_key:
            full["api_key"] = self.api_key
        ids = full.get("id", "")
        post = ids.count(",") + 1 >= POST_MIN_IDS or len(urlencode(full)) > POST_MIN_CHARS
        reason = "no attempt made"
        for attempt in range(self.max_retries + 1):
            try:
                return decode(self._attempt(endpoint, url, full, post))
            except _Transient as exc:
                reason = exc.reason
                if attempt < self.max_retries:
                    self._sleep(max(exc.wait, self._backoff(attempt)))
        raise EutilsRetryExhausted(url, self.max_retries + 1, reason)

    def _attempt(self, endpoint: str, url: str, params: dict[str, str], post: bool) -> bytes:
        self._limiter.wait(self._sleep)
        with self._count_lock:
            self.request_count += 1
        try:
            if post:
                resp = self._session.post(url, data=params, timeout=self.timeout)
            else:
                resp = self._session.get(url, params=params, timeout=self.timeout)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code == 429:
            raise _Transient(f"HTTP 429: {resp.text[:200]}", wait=_retry_after(resp))
        if resp.status_code >= 500:
            raise _Transient(f"HTTP {resp.status_code}: {resp.text[:200]}")
        if resp.status_code != 200:
            raise _refusal(endpoint, url, resp)
        return resp.content

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so parallel clients do not retry in step."""
        ceiling = min(MAX_BACKOFF, self.backoff_base * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def split_window(start: date, end: date, count: int) -> list[tuple[date, date]]:
    """Cut [start, end] into contiguous day ranges, in halves or finer when ``count`` is large.

    Aiming at three quarters of the cap per part leaves room for uneven dates, so most parts
    need one request each instead of a chain of halvings.
    """
    days = (end - start).days + 1
    parts = min(days, max(2, math.ceil(count / (ESEARCH_CAP * 0.75))))
    bounds = [start + timedelta(days=days * i // parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1)) for i in range(parts)]


def parse_esearch(body: bytes) -> SearchResult:
    """Read an eSearchResult; an incomplete body is transient, an ``<ERROR>`` is classified."""
    if _HOSTILE.search(body):
        raise EutilsError("esearch answer declares entities or an internal DTD; refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise _Transient(f"esearch body is not complete XML: {exc}") from exc
    if root.tag != "eSearchResult":
        raise _Transient(f"esearch answered <{root.tag}>, not <eSearchResult>")
    error = root.findtext("ERROR")
    if error is not None:
        raise _classify_error(error)
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise _Transient("esearch answer has no Count")
    return SearchResult(
        count=int(count),
        ids=tuple((e.text or "").strip() for e in root.iterfind("IdList/Id")),
        webenv=root.findtext("WebEnv"),
        query_key=root.findtext("QueryKey"),
        query_translation=root.findtext("QueryTranslation"),
    )


def verify_pubmed_xml(body: bytes) -> bytes:
    """Return ``body`` if it is a whole PubmedArticleSet; anything else is worth a retry."""
    try:
        for _ in split_records(io.BytesIO(body)):
            pass
    except HostileXMLError as exc:
        raise EutilsError(f"efetch answer declares entities; refused: {exc}") from exc
    except PubmedXMLError as exc:  # TruncatedXMLError included: the body was cut short
        raise _Transient(f"efetch body incomplete or not PubMed XML: {exc}") from exc
    return body


def _classify_error(message: str) -> Exception:
    if _CAP_ERROR.search(message):
        return ResultCapError(message.strip())
    if _QUERY_ERROR.search(message):
        return EutilsQueryError(message.strip())
    return _Transient(f"in-band ERROR: {message.strip()[:300]}")


def _refusal(endpoint: str, url: str, resp: requests.Response) -> Exception:
    """Turn a 4xx into the most specific permanent error its body allows."""
    text = resp.text
    message = _error_text(resp.content)
    if message and _CAP_ERROR.search(message):
        return ResultCapError(message.strip())
    if message and endpoint == "esearch" and resp.status_code == 400:
        return EutilsQueryError(message.strip())
    return EutilsHTTPError(resp.status_code, url, text)


def _error_text(body: bytes) -> str | None:
    if _HOSTILE.search(body):
        return None
    try:
        return ET.fromstring(body).findtext("ERROR")
    except ET.ParseError:
        match = re.search(rb'"(?:ERROR|error)"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
        return match.group(1).decode("utf-8", "replace") if match else None


def _retry_after(resp: requests.Response) -> float:
    value = resp.headers.get("Retry-After", "").strip()
    if not value:
        return 0.0
    try:
        seconds = float(value)  # NCBI sends whole seconds; HTTP also allows a date
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return min(MAX_BACKOFF, max(0.0, seconds))


def _ncbi_date(value: date | str | None) -> str:
    if value is None:
        raise ValueError("mindate and maxdate go together")
    return value.strftime("%Y/%m/%d") if isinstance(value, date) else value
