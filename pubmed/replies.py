"""What E-utilities answers mean, as pure functions: typed errors, ESearch results, in-band
``<ERROR>``s and PubMed XML bodies checked complete. No sockets here; ``pubmed.eutils`` does
the HTTP and asks these functions what it got.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import BinaryIO

from pubmed.split import (
    MAX_RECORD_BYTES,
    HostileXMLError,
    OversizedRecord,
    PubmedXMLError,
    best_pmid,
    split_chunks,
)

MAX_BACKOFF = 60.0
_CAP_ERROR = re.compile(r"cannot be larger than 9998|out of acceptable range", re.I)
_QUERY_ERROR = re.compile(r"syntax|invalid|unbalanced|empty term|nothing todo|unknown field", re.I)
_HOSTILE = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[")
_PMID = re.compile(r"[0-9]{1,12}")
_ANY_PMID = re.compile(rb"<PMID\b[^>]*>\s*(\d+)\s*</PMID>")


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


class EutilsUnreachable(EutilsError):
    """No connection could be made within the short budget connection failures get."""

    def __init__(self, base_url: str, attempts: int, reason: str) -> None:
        super().__init__(f"cannot reach E-utilities at {base_url}: {reason} ({attempts} attempts)")
        self.base_url, self.attempts, self.reason = base_url, attempts, reason


class EutilsRedirectError(EutilsError):
    """The server redirected to another host: never followed (the key and e-mail stay home)."""


class EutilsConfigError(EutilsError):
    """Settings NCBI would refuse or that would misuse it; nothing was sent."""


class ResponseTooLarge(EutilsError):
    """The answer passed the response size cap; the same request would only do so again."""

    def __init__(self, url: str, limit: int, ids: Sequence[str] = ()) -> None:
        what = f" for {len(ids)} ids" if ids else ""
        super().__init__(f"{url}: answer{what} is larger than the {limit:,}-byte cap")
        self.url, self.limit, self.ids = url, limit, tuple(ids)


class InvalidPmidError(EutilsError, ValueError):
    """An id that is not a PMID (PMIDs are digits only)."""


class Transient(Exception):
    """This attempt failed in a way worth retrying, after at least ``wait`` seconds."""

    def __init__(self, reason: str, wait: float = 0.0, connect: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.wait, self.connect = reason, wait, connect


@dataclass(frozen=True)
class SearchResult:
    """One ESearch answer."""

    count: int
    ids: tuple[str, ...]
    webenv: str | None = None
    query_key: str | None = None
    query_translation: str | None = None


@dataclass(frozen=True)
class BodyScan:
    """What a complete efetch body holds: the PMIDs it returned, and those too large to keep."""

    returned: tuple[str, ...]
    oversized: tuple[str, ...]


def is_pmid(text: object) -> bool:
    """PMIDs are ASCII digits (and today at most 9 of them; 12 leaves room)."""
    return isinstance(text, str) and _PMID.fullmatch(text) is not None


def check_pmids(ids: Iterable[str]) -> list[str]:
    """The ids as a list, or InvalidPmidError naming the first that is not a PMID."""
    out = list(ids)
    for pmid in out:
        if not is_pmid(pmid):
            raise InvalidPmidError(f"not a PMID (PMIDs are digits only): {pmid!r}")
    return out


def parse_esearch(body: bytes) -> SearchResult:
    """Read an eSearchResult; an incomplete body is transient, an ``<ERROR>`` is classified."""
    if _HOSTILE.search(body):
        raise EutilsError("esearch answer declares entities or an internal DTD; refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise Transient(f"esearch body is not complete XML: {exc}") from exc
    if root.tag != "eSearchResult":
        raise Transient(f"esearch answered <{root.tag}>, not <eSearchResult>")
    error = root.findtext("ERROR")
    if error is not None:
        raise classify_error(error)
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise Transient("esearch answer has no Count")
    return SearchResult(
        count=int(count),
        ids=tuple((e.text or "").strip() for e in root.iterfind("IdList/Id")),
        webenv=root.findtext("WebEnv"),
        query_key=root.findtext("QueryKey"),
        query_translation=root.findtext("QueryTranslation"),
    )


def scan_pubmed_xml(stream: BinaryIO, max_record: int = MAX_RECORD_BYTES) -> BodyScan:
    """Check a PubmedArticleSet is whole, in bounded memory; anything else is worth a retry."""
    returned: list[str] = []
    oversized: list[str] = []
    try:
        for chunk in split_chunks(stream, max_record=max_record):
            if isinstance(chunk, OversizedRecord):
                oversized += [chunk.pmid] if chunk.pmid else []
            elif chunk.startswith(b"<DeleteCitation"):
                returned += [m.decode() for m in _ANY_PMID.findall(chunk)]
            elif pmid := best_pmid(chunk):
                returned.append(pmid)
    except HostileXMLError as exc:
        raise EutilsError(f"efetch answer declares entities; refused: {exc}") from exc
    except PubmedXMLError as exc:  # TruncatedXMLError included: the body was cut short
        raise Transient(f"efetch body incomplete or not PubMed XML: {exc}") from exc
    return BodyScan(tuple(returned), tuple(oversized))


def classify_error(message: str) -> Exception:
    """An in-band ``<ERROR>``: the cap and bad queries are permanent, the rest transient."""
    if _CAP_ERROR.search(message):
        return ResultCapError(message.strip())
    if _QUERY_ERROR.search(message):
        return EutilsQueryError(message.strip())
    return Transient(f"in-band ERROR: {message.strip()[:300]}")


def refusal(endpoint: str, url: str, status: int, body: bytes) -> Exception:
    """Turn a 4xx into the most specific permanent error its body allows."""
    message = error_text(body)
    if message and _CAP_ERROR.search(message):
        return ResultCapError(message.strip())
    if message and endpoint == "esearch" and status == 400:
        return EutilsQueryError(message.strip())
    return EutilsHTTPError(status, url, body.decode("utf-8", "replace"))


def error_text(body: bytes) -> str | None:
    """The ERROR an E-utilities error body carries, as XML or as NCBI's JSON."""
    if _HOSTILE.search(body):
        return None
    try:
        return ET.fromstring(body).findtext("ERROR")
    except ET.ParseError:
        match = re.search(rb'"(?:ERROR|error)"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
        return match.group(1).decode("utf-8", "replace") if match else None


def retry_after(value: str) -> float:
    """Seconds a ``Retry-After`` header asks for (NCBI sends seconds; HTTP allows a date)."""
    value = value.strip()
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return min(MAX_BACKOFF, max(0.0, seconds))
