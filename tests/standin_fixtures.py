"""Shared helpers for tests that talk HTTP to the E-utilities stand-in.

Imported explicitly (``from standin_fixtures import ...``) rather than through conftest, so the
fixtures stay next to the few modules that use them. Parsing the 29,995-record baseline file
takes about 20 s, so its records are parsed once per session and each test module builds its
own stand-in from them (sorting, not parsing).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from pubmed.eutils import EutilsClient
from pubmed.parser import split_records
from pubmed.standin.server import EutilsStandIn, StoredRecord, load_records

DATA = Path(__file__).resolve().parent.parent / "data"
KETAMINE_XML = DATA / "ketamine" / "ketamine-records.xml"
BASELINE_XML = DATA / "pubmed" / "pubmed20n0014-sample.xml.gz"
EMAIL = "tests@example.org"
TOOL = "ketamine-evidence-tests"
API_KEY = "test-key-0123456789"
_PMID = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")


@cache
def ketamine_records() -> tuple[StoredRecord, ...]:
    return tuple(load_records([KETAMINE_XML]))


@cache
def baseline_records() -> tuple[StoredRecord, ...]:
    return tuple(load_records([BASELINE_XML]))


def record_pmids(body: bytes) -> list[str]:
    """The PMID of each record in an efetch body, read from the bytes (not by our parser)."""
    pmids = []
    for chunk in split_records(io.BytesIO(body)):
        match = _PMID.search(chunk)
        assert match is not None, chunk[:200]
        pmids.append(match.group(1).decode())
    return pmids


def with_date_revised(raw: bytes, day: date) -> bytes:
    """A record's bytes with its DateRevised set to ``day`` (added after the PMID if absent)."""
    element = (
        f"<DateRevised><Year>{day.year}</Year><Month>{day.month:02d}</Month>"
        f"<Day>{day.day:02d}</Day></DateRevised>"
    ).encode()
    start, end = raw.find(b"<DateRevised>"), raw.find(b"</DateRevised>")
    if start >= 0:
        return raw[:start] + element + raw[end + len(b"</DateRevised>") :]
    pmid_end = raw.find(b"</PMID>") + len(b"</PMID>")
    return raw[:pmid_end] + element + raw[pmid_end:]


def make_client(standin: EutilsStandIn, **overrides: object) -> EutilsClient:
    """A client with test-friendly backoff and timeouts (and the test API key by default)."""
    options: dict[str, object] = {
        "email": EMAIL,
        "tool": TOOL,
        "api_key": API_KEY,
        "timeout": 10.0,
        "max_retries": 4,
        "backoff_base": 0.01,
    }
    options.update(overrides)
    return EutilsClient(standin.base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
def standin() -> Iterator[EutilsStandIn]:
    """The bundled ketamine records, served fresh for each test."""
    with EutilsStandIn(records=ketamine_records(), retry_after=0.05) as server:
        yield server
