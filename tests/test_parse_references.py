"""Articles are parsed without their cited references, which no field reads: a record must come
out exactly as if it were parsed whole, however its reference lists are damaged or disguised.

The oracle is the same record with ``ReferenceList`` renamed (same length, so the same
structure, lines and columns): the parser then has no reference list to leave out.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.article import Article, Quarantined
from pubmed.parser import parse_record, split_records

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "pubmed_xml"
WITH_REFERENCES = tuple(
    c
    for name in ("with-references.xml", "pubmed21n1298-features.xml")
    for c in split_records(io.BytesIO((DATA / name).read_bytes()))
    if b"<ReferenceList" in c
)
WITHOUT_REFERENCES = tuple(
    c
    for c in split_records(io.BytesIO((DATA / "pubmed21n1298-features.xml").read_bytes()))
    if c.startswith(b"<PubmedArticle") and b"<ReferenceList" not in c
)
OWN_IDS = b'<ArticleIdList><ArticleId IdType="doi">10.9/own</ArticleId></ArticleIdList>'
SNIPPETS = (
    b"<",
    b">",
    b'"',
    b"</ReferenceList>",
    b"<ReferenceList>",
    b"<ReferenceList/>",
    b"<ReferenceList ",
    b"&undefined;",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?pi ",
    b"?>",
    b"text",
    b"<a>",
    b"</a>",
    OWN_IDS,
    b"<ReferenceList><ReferenceList><ReferenceList></ReferenceList></ReferenceList>",
)


def whole(chunk: bytes) -> object:
    """What the record gives when it has no reference list to leave out, named back."""
    return comparable(parse_record(chunk.replace(b"ReferenceList", b"ReferenceLisX")))


def comparable(record: object) -> object:
    if isinstance(record, Quarantined):
        return ("quarantined", record.pmid, record.reason.replace("ReferenceLisX", "ReferenceList"))
    assert isinstance(record, Article)
    return repr(record).replace("ReferenceLisX", "ReferenceList")


def test_the_fixtures_have_articles_with_one_and_with_several_reference_lists():
    assert len(WITH_REFERENCES) >= 10
    assert any(c.count(b"<ReferenceList") > 1 for c in WITH_REFERENCES)


PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTIES
@given(data=st.data())
def test_a_damaged_or_disguised_reference_list_changes_nothing(data: st.DataObject) -> None:
    chunk = data.draw(st.sampled_from(WITH_REFERENCES))
    start = chunk.index(b"<ReferenceList")
    end = chunk.rindex(b"</ReferenceList>") + len(b"</ReferenceList>")
    # around and inside the lists, and now and then anywhere (a title, the abstract)
    where = st.integers(max(0, start - 300), min(len(chunk), end + 40)) | st.integers(0, len(chunk))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(where)
        chunk = chunk[:at] + data.draw(st.sampled_from(SNIPPETS)) + chunk[at:]
    assert comparable(parse_record(chunk)) == whole(chunk)


def test_undamaged_articles_are_the_same_without_their_references():
    for chunk in WITH_REFERENCES:
        assert isinstance(parse_record(chunk), Article)
        assert comparable(parse_record(chunk)) == whole(chunk)


def test_the_records_own_ids_between_reference_lists_are_still_read():
    chunk = next(c for c in WITH_REFERENCES if b"</ReferenceList>" in c)
    end = chunk.rindex(b"</ReferenceList>") + len(b"</ReferenceList>")
    moved = chunk.replace(b"<ArticleIdList>", b"<ArticleIdLisX>", 1)
    moved = moved.replace(b"</ArticleIdList>", b"</ArticleIdLisX>", 1)
    moved = moved[:end] + OWN_IDS + b"<ReferenceList></ReferenceList>" + moved[end:]
    record = parse_record(moved)
    assert isinstance(record, Article) and record.doi == "10.9/own"


@pytest.mark.parametrize(
    "inserted",
    [
        b"<ReferenceList/>",
        b"<ReferenceList />",
        b"<ReferenceList></ReferenceList >",
        b'<ReferenceList a=">"></ReferenceList>',
        b"<ReferenceList><!-- --></ReferenceList>",
        b"<!-- <ReferenceList> -->",
    ],
)
def test_a_list_before_the_records_own_ids_leaves_them_read(inserted):
    chunk = WITH_REFERENCES[0]
    at = chunk.index(b"<ArticleIdList>", chunk.index(b"<PubmedData>"))
    record = parse_record(chunk[:at] + inserted + chunk[at:])
    assert isinstance(record, Article) and record.doi == parse_record(chunk).doi is not None
    assert comparable(record) == whole(chunk[:at] + inserted + chunk[at:])


@pytest.mark.parametrize(
    "inserted, expected",
    [
        (b"<![CDATA[see <ReferenceList>x</ReferenceList> here]]>", "see <ReferenceList>x"),
        (b"see <ReferenceList>inline</ReferenceList> here", "see inline here"),
    ],
)
def test_reference_list_markup_in_an_abstract_stays_its_text(inserted, expected):
    chunk = next(c for c in WITHOUT_REFERENCES if b"<AbstractText>" in c)
    at = chunk.index(b"<AbstractText>") + len(b"<AbstractText>")
    record = parse_record(chunk[:at] + inserted + b" " + chunk[at:])
    assert isinstance(record, Article) and expected in (record.abstract or "")


def test_a_malformed_reference_list_quarantines_the_record_as_before():
    chunk = WITH_REFERENCES[0]
    at = chunk.index(b"<Reference>") + len(b"<Reference>")
    broken = chunk[:at] + b"<Citation>unclosed" + chunk[at:]
    record = parse_record(broken)
    assert isinstance(record, Quarantined) and record.reason.startswith("not well-formed XML")
    assert comparable(record) == whole(broken)
