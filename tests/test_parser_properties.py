"""Property tests: real PubMed records, damaged every way we can think of, never break a batch.

Each example starts from real records (the NLM update-file excerpt and the bundled ketamine
records) and damages them: truncation, deleted, duplicated and renamed elements, garbage and
invalid UTF-8, other encodings, entity and DOCTYPE injection, huge text, deep nesting, random
attribute and text values. The parser may answer only with records (Article, Deletion,
Quarantined) or with its own documented errors, and a damaged record never costs the others.
Derandomized, so CI sees the same examples every run.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.article import Article, Deletion, Quarantined
from pubmed.parser import (
    HostileXMLError,
    PubmedXMLError,
    TruncatedXMLError,
    iter_records,
    parse_deletions,
    parse_record,
    split_records,
)

ROOT = Path(__file__).resolve().parents[1]
FEATURES = (ROOT / "tests" / "data" / "pubmed_xml" / "pubmed21n1298-features.xml").read_bytes()
KETAMINE = (ROOT / "data" / "ketamine" / "ketamine-records.xml").read_bytes()
PROLOG = FEATURES[: FEATURES.index(b"<PubmedArticleSet>")]
CHUNKS = (*split_records(io.BytesIO(FEATURES)), *split_records(io.BytesIO(KETAMINE)))
ARTICLES = tuple(c for c in CHUNKS if c.startswith(b"<PubmedArticle"))
DELETION = next(c for c in CHUNKS if c.startswith(b"<DeleteCitation"))
START_TAG = re.compile(rb"<([A-Za-z][\w.:-]*)[^<>]*?>")
LEAF = re.compile(rb"<([A-Za-z][\w.:-]*)((?: [^<>]*)?)>([^<]*)</\1>")
ATTRIBUTE = re.compile(rb'( [A-Za-z][\w.:-]*=)"([^"<>]*)"')
RECORD_KINDS = (Article, Deletion, Quarantined)
ERRORS = (PubmedXMLError, HostileXMLError, TruncatedXMLError)

PROPERTIES = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Names a renamed element may take: ours, the record kinds, and junk.
NAMES = st.sampled_from(
    b"PMID Year Month Day Author AuthorList ArticleTitle PubmedArticle PubmedBookArticle "
    b"DeleteCitation X a:b mml:math".split()
)
XML_CHARS = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff", min_codepoint=0x20
) | st.sampled_from("\t\n\r 0123456789")
VALUES = (
    st.text(XML_CHARS, max_size=40)
    | st.from_regex(r"\A[0-9]{1,40}\Z")
    | st.sampled_from(
        ["", " ", "0", "-1", "99999999999999999999", "1" * 5000, "Feb", "Spring", "N", "Y"]
    )
)
INJECTIONS = st.sampled_from(
    [
        b"&xxe;",
        b"&lol9;",
        b"&#0;",
        b"&#x110000;",
        b"&amp",
        b'<!DOCTYPE PubmedArticle [<!ENTITY xxe "PWNED">]>',
        b'<!DOCTYPE PubmedArticle SYSTEM "http://127.0.0.1:9/x.dtd">',
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        b"<![CDATA[ PWNED ]]>",
        b"<!-- PWNED",
        b"<?xml-stylesheet href='http://127.0.0.1:9/x'?>",
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    ]
)
INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"]
)


def parse_chunk(chunk: bytes) -> list[Article | Deletion | Quarantined]:
    """What iter_records makes of one chunk split_records yielded."""
    if chunk.startswith(b"<DeleteCitation"):
        return list(parse_deletions(chunk))
    return [parse_record(chunk)]


def document(*chunks: bytes) -> bytes:
    return PROLOG + b"<PubmedArticleSet>\n" + b"\n".join(chunks) + b"\n</PubmedArticleSet>\n"


def element_span(chunk: bytes, match: re.Match[bytes]) -> tuple[int, int]:
    """From a start tag to the first end tag of its name (or the tag alone if none)."""
    end_tag = b"</" + match.group(1) + b">"
    end = chunk.find(end_tag, match.end())
    return match.start(), (end + len(end_tag) if end >= 0 else match.end())


@st.composite
def damaged(draw: st.DrawFn, chunk: bytes) -> bytes:
    """One to three kinds of damage to a real record."""
    data = chunk
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(DAMAGE))(draw, data)
    return data


def _offset(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, max(len(data) - 1, 0)))


def _tag(draw: st.DrawFn, data: bytes) -> re.Match[bytes] | None:
    tags = list(START_TAG.finditer(data))
    return draw(st.sampled_from(tags)) if tags else None


def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: _offset(draw, data)]


def _delete(draw: st.DrawFn, data: bytes) -> bytes:
    if (tag := _tag(draw, data)) is None:
        return data
    start, end = element_span(data, tag)
    return data[:start] + data[end:]


def _duplicate(draw: st.DrawFn, data: bytes) -> bytes:
    if (tag := _tag(draw, data)) is None:
        return data
    start, end = element_span(data, tag)
    return data[:end] + data[start:end] * draw(st.integers(1, 3)) + data[end:]


def _rename(draw: st.DrawFn, data: bytes) -> bytes:
    if (tag := _tag(draw, data)) is None:
        return data
    start, end = element_span(data, tag)
    old, new = tag.group(1), draw(NAMES)
    part = data[start:end]
    part = b"<" + new + part[1 + len(old) :]
    if part.endswith(b"</" + old + b">"):
        part = part[: -len(old) - 3] + b"</" + new + b">"
    return data[:start] + part + data[end:]


def _garbage(draw: st.DrawFn, data: bytes) -> bytes:
    at = _offset(draw, data)
    junk = draw(st.binary(min_size=1, max_size=40) | INVALID_UTF8 | INJECTIONS)
    return data[:at] + junk + data[at:]


def _encoding(draw: st.DrawFn, data: bytes) -> bytes:
    codec = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-be", "utf-32"]))
    return data.decode("utf-8", errors="replace").encode(codec, errors="replace")


def _huge_or_deep(draw: st.DrawFn, data: bytes) -> bytes:
    """Huge text or deep inline nesting inside the title (or wherever a tag ends)."""
    at = data.find(b"<ArticleTitle>")
    at = at + len(b"<ArticleTitle>") if at >= 0 else _offset(draw, data)
    if draw(st.booleans()):
        insert = b"ketamine " * draw(st.integers(1, 100_000))
    else:
        depth = draw(st.integers(1, 600))
        insert = b"<i>" * depth + b"deep" + b"</i>" * depth
    return data[:at] + insert + data[at:]


def _attribute(draw: st.DrawFn, data: bytes) -> bytes:
    attributes = list(ATTRIBUTE.finditer(data))
    if not attributes:
        return data
    match = draw(st.sampled_from(attributes))
    value = draw(VALUES).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        value = quoteattr(value.decode("utf-8", errors="replace")).encode()[1:-1]
    return data[: match.start(2)] + value + data[match.end(2) :]


DAMAGE = (
    _truncate,
    _delete,
    _duplicate,
    _rename,
    _garbage,
    _encoding,
    _huge_or_deep,
    _attribute,
)


@st.composite
def batch_with_one_damaged(draw: st.DrawFn) -> tuple[list[bytes], int, bytes]:
    """A few real records (and maybe the DeleteCitation) with one of them damaged."""
    pool = st.sampled_from(ARTICLES) | st.just(DELETION)
    good = draw(st.lists(pool, min_size=1, max_size=6))
    victim_at = draw(st.integers(0, len(good)))
    victim = draw(damaged(draw(st.sampled_from(ARTICLES) | st.just(DELETION))))
    return good, victim_at, victim


@PROPERTIES
@given(case=batch_with_one_damaged(), chunk_size=st.sampled_from([7, 4096, 1 << 20]))
def test_one_damaged_record_never_costs_the_others(
    case: tuple[list[bytes], int, bytes], chunk_size: int
) -> None:
    good, victim_at, victim = case
    before, after = good[:victim_at], good[victim_at:]
    data = document(*before, victim, *after)
    records = _records(data, chunk_size)
    head = [r for c in before for r in parse_chunk(c)]
    tail = [r for c in after for r in parse_chunk(c)]
    assert records[: len(head)] == head
    assert records[len(records) - len(tail) :] == tail
    middle = records[len(head) : len(records) - len(tail)]
    assert all(isinstance(r, RECORD_KINDS) for r in middle)
    for record in middle:
        assert record.pmid is None or record.pmid.isdigit()
        if isinstance(record, Quarantined):
            assert record.raw and record.raw in data and record.reason
        if isinstance(record, Article):
            assert "PWNED" not in repr(record)  # no entity was ever expanded


def _records(data: bytes, chunk_size: int) -> list[Article | Deletion | Quarantined]:
    out = []
    for chunk in split_records(io.BytesIO(data), chunk_size=chunk_size):
        out.extend(parse_chunk(chunk))
    assert out == list(iter_records(io.BytesIO(data)))
    return out


@PROPERTIES
@given(data=st.data())
def test_damaged_documents_give_records_or_a_clear_error(data: st.DataObject) -> None:
    chunks = data.draw(st.lists(st.sampled_from(CHUNKS), min_size=0, max_size=4))
    doc = data.draw(damaged(document(*chunks)))
    seen: list = []
    try:
        seen.extend(iter_records(io.BytesIO(doc)))
    except ERRORS as exc:
        assert str(exc)
    assert all(isinstance(r, RECORD_KINDS) for r in seen)
    assert all(r.pmid is None or r.pmid.isdigit() for r in seen)


@PROPERTIES
@given(data=st.data())
def test_a_truncated_stream_yields_every_complete_record_then_says_so(
    data: st.DataObject,
) -> None:
    chunks = data.draw(st.lists(st.sampled_from(CHUNKS), min_size=1, max_size=5))
    doc = document(*chunks)
    body = doc.index(b"<PubmedArticleSet>") + len(b"<PubmedArticleSet>")
    cut = data.draw(st.integers(body, len(doc.rstrip()) - 1))
    complete, pos = [], body
    for chunk in chunks:
        pos = doc.index(chunk, pos) + len(chunk)
        if pos <= cut:
            complete.extend(parse_chunk(chunk))
    seen: list = []
    with pytest.raises(TruncatedXMLError, match="before </PubmedArticleSet>"):
        seen.extend(iter_records(io.BytesIO(doc[:cut])))
    assert seen == complete


@PROPERTIES
@given(data=st.data())
def test_any_well_formed_value_leaves_a_record_an_article(data: st.DataObject) -> None:
    """Text and attribute values are data: strange ones never quarantine a whole record."""
    chunk = ARTICLES[data.draw(st.integers(0, len(ARTICLES) - 1))]
    own_pmid = re.search(rb"<PMID[^>]*>", chunk)
    assert own_pmid is not None
    leaves = [m for m in LEAF.finditer(chunk) if m.start() != own_pmid.start()]
    edited = chunk
    for _ in range(data.draw(st.integers(1, 5))):
        leaf = data.draw(st.sampled_from(leaves))
        value = escape(data.draw(VALUES)).encode()
        edited = edited[: leaf.start(3)] + value + edited[leaf.end(3) :]
        leaves = [m for m in LEAF.finditer(edited) if m.start() != own_pmid.start()]
    attributes = list(ATTRIBUTE.finditer(edited))
    if attributes and data.draw(st.booleans()):
        attr = data.draw(st.sampled_from(attributes))
        value = quoteattr(data.draw(VALUES)).encode()[1:-1]
        edited = edited[: attr.start(2)] + value + edited[attr.end(2) :]
    article = parse_record(edited)
    assert isinstance(article, Article), getattr(article, "reason", None)
    assert article.pmid == parse_record(chunk).pmid  # type: ignore[union-attr]


# --- one example each of what would be too slow to draw often --------------------------------


def _title_record() -> bytes:
    return next(c for c in ARTICLES if b"<ArticleTitle>" in c)


def test_text_past_libxml2s_limit_is_quarantined_and_the_batch_goes_on() -> None:
    record = _title_record()
    huge = record.replace(b"<ArticleTitle>", b"<ArticleTitle>" + b"k" * 11_000_000, 1)
    big = record.replace(b"<ArticleTitle>", b"<ArticleTitle>" + b"k" * 2_000_000, 1)
    records = list(iter_records(io.BytesIO(document(huge, big, ARTICLES[-1]))))
    assert isinstance(records[0], Quarantined) and records[0].pmid
    assert isinstance(records[1], Article) and len(records[1].title or "") > 2_000_000
    assert records[2] == parse_record(ARTICLES[-1])


def test_nesting_past_libxml2s_depth_limit_is_quarantined() -> None:
    record = _title_record()
    for depth, kind in ((200, Article), (300, Quarantined), (100_000, Quarantined)):
        deep = b"<i>" * depth + b"deep" + b"</i>" * depth
        result = parse_record(record.replace(b"<ArticleTitle>", b"<ArticleTitle>" + deep, 1))
        assert isinstance(result, kind), depth


@pytest.mark.parametrize(
    "prolog",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe "PWNED">]>\n',
        b'<!DOCTYPE PubmedArticleSet [<!ENTITY % p SYSTEM "http://127.0.0.1:9/">%p;]>',
        b'<!DOCTYPE PubmedArticleSet [<!ATTLIST PMID Version CDATA "9">]>',
    ],
)
def test_entity_declarations_anywhere_before_the_root_are_refused(prolog: bytes) -> None:
    data = prolog + b"<PubmedArticleSet>" + ARTICLES[0] + b"</PubmedArticleSet>"
    with pytest.raises(HostileXMLError):
        list(iter_records(io.BytesIO(data)))


# --- the bugs these properties found, pinned --------------------------------------------------


def test_a_damaged_last_record_is_quarantined_not_taken_for_truncation() -> None:
    """It used to raise TruncatedXMLError, failing every nightly run that fetched it."""
    last = ARTICLES[1][:-40]  # its end tag is lost, and </PubmedArticleSet> follows
    records = list(iter_records(io.BytesIO(document(ARTICLES[0], last, DELETION))))
    assert records[0] == parse_record(ARTICLES[0])
    assert isinstance(records[1], Quarantined) and records[1].raw == last + b"\n"
    assert records[2:] == parse_chunk(DELETION)  # not swallowed into the damaged record
    (alone,) = iter_records(io.BytesIO(document(last)))
    assert isinstance(alone, Quarantined)


@pytest.mark.parametrize("value", ["99999999999999999999", "1" * 5000])
def test_absurd_date_numbers_leave_the_date_out_not_the_record(value: str) -> None:
    """They used to raise OverflowError / int()'s digit-limit ValueError and quarantine it."""
    record = next(c for c in ARTICLES if b"<DateRevised>" in c and b"<PubDate>" in c)
    edited = re.sub(
        rb"(<DateRevised>\s*<Year>\d+</Year>\s*<Month>)\d+", rb"\g<1>" + value.encode(), record
    )
    edited = re.sub(
        rb"(<PubDate>\s*<Year>\d+</Year>(?:\s*<Month>\w+</Month>)?\s*<Day>)\d+",
        rb"\g<1>" + value.encode(),
        edited,
    )
    assert edited != record
    article = parse_record(edited)
    assert isinstance(article, Article) and article.revised_date is None
