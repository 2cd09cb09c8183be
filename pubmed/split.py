"""Cutting a PubmedArticleSet into its records, in bounded memory: bytes in, record bytes out.

PubMed XML is untrusted. A byte scanner checks the prolog (refusing entity declarations), then
cuts out one record at a time over a sliding window, so no XML parser ever sees the whole
document and memory stays flat with file size. A record larger than ``MAX_RECORD_BYTES`` is
not held: it is skipped in constant memory and reported as an ``OversizedRecord`` (its PMID and
first bytes), so one absurd record never costs its batch or its file.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO, NoReturn


class PubmedXMLError(ValueError):
    """The input is not a usable PubmedArticleSet document."""


class HostileXMLError(PubmedXMLError):
    """The prolog declares entities or an internal subset: refused before any parsing."""


class TruncatedXMLError(PubmedXMLError):
    """The stream ended before ``</PubmedArticleSet>``: complete records were already yielded."""


MAX_RECORD_BYTES = 64 << 20  # the largest real PubMed records (huge author lists) are a few MB
HEAD_BYTES = 64 << 10  # what is kept of an oversized record: enough for its PMID and title


@dataclass(frozen=True)
class OversizedRecord:
    """A record too large to hold, skipped: its PMID (read from its head) and its size."""

    pmid: str | None
    size: int  # bytes from its start tag to its end (at least this many if cut short)
    head: bytes  # its first HEAD_BYTES, for the quarantine
    limit: int  # the cap it exceeded

    @property
    def reason(self) -> str:
        return (
            f"oversized record: {self.size:,} bytes, over the {self.limit:,}-byte cap; "
            f"not parsed (its first {len(self.head):,} bytes are kept)"
        )


_ROOT = b"PubmedArticleSet"
_RECORDS = (b"PubmedArticle", b"PubmedBookArticle", b"DeleteCitation")
_KNOWN = (*_RECORDS, b"/" + _ROOT)
# Where a record that lost its end tag stops: the start of any record, or the root's end.
_BOUNDARIES = (*(b"<" + name for name in _RECORDS), b"</" + _ROOT)
_LONGEST = max(len(p) for p in _BOUNDARIES) + len(b"</PubmedBookArticle>")
_DELIMS = frozenset(b" \t\r\n/>")
# The first start tag: <?...?>, <!--...--> and <!DOCTYPE ...> do not begin with a name.
_ROOT_START = re.compile(rb"<([A-Za-z_:][^\s/>]*)[^>]*>")
_DOCTYPE_RE = rb"<!DOCTYPE[^\[>]*(?:\[(.*?)\])?\s*>"
_DOCTYPE = re.compile(_DOCTYPE_RE, re.S)
_PROLOG = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->|" + _DOCTYPE_RE + rb")*", re.S)
_MISC = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.S)
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_MAX_PROLOG = 1 << 20  # NCBI prologs are ~200 bytes; more is not PubMed.
_UTF8 = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
# The record's own PMID is the first child of these; a PMID elsewhere is someone else's.
_PMID_RE = re.compile(
    rb"<(?:MedlineCitation|BookDocument|DeleteCitation)\b[^>]*>\s*<PMID\b[^>]*>\s*(\d+)\s*</PMID>"
)


def best_pmid(chunk: bytes) -> str | None:
    """The record's own PMID, read from its bytes without parsing them."""
    m = _PMID_RE.search(chunk)
    return m.group(1).decode() if m else None


# The cited references: a third of a 2021 record's bytes, and no field is read from them.
_REFS_OPEN, _REFS_CLOSE = b"<ReferenceList", b"</ReferenceList>"
REFERENCES_MARK = b"<ReferenceList/>"
# PubMed puts reference lists last in PubmedData (and nested ones last in theirs): after any
# end of one comes another, the end of the one around it, or nothing.
_REFS_FOLLOW = re.compile(rb"</ReferenceList>(?!\s*(?:<ReferenceList>|</ReferenceList>|\Z))")


def cut_references(chunk: bytes) -> tuple[bytes, bytes] | None:
    """An article with its reference lists replaced by ``REFERENCES_MARK``, and those lists;
    None if it has none or they are not laid out as PubMed lays them out.

    Bytes only: the parser checks the lists are well-formed and that the mark landed in
    PubmedData's content before it trusts the cut.
    """
    start = chunk.find(_REFS_OPEN)
    if start < 0 or not chunk.startswith(b"<PubmedArticle"):
        return None
    end = chunk.rfind(_REFS_CLOSE) + len(_REFS_CLOSE)
    if end <= start + len(_REFS_OPEN) or chunk[start + len(_REFS_OPEN)] not in _DELIMS:
        return None
    refs = chunk[start:end]
    # every "<" a tag (no comment, CDATA or PI) and every list tag bare: then the pattern sees
    # where each list ends, and nothing but lists can sit between them
    if (
        b"<!" in refs
        or b"<?" in refs
        or refs.count(b"<ReferenceList") != refs.count(b"<ReferenceList>")
        or refs.count(b"</ReferenceList") != refs.count(b"</ReferenceList>")
        or _REFS_FOLLOW.search(refs)
    ):
        return None
    return chunk[:start] + REFERENCES_MARK + chunk[end:], refs


class _TooLarge(Exception):
    """Internal: the bytes held from ``keep`` on passed the record cap."""


class _Window:
    """The unconsumed tail of the stream; only bytes from ``keep`` on are held."""

    def __init__(self, stream: BinaryIO, chunk_size: int, max_record: int) -> None:
        self.stream, self.size, self.max_record = stream, max(chunk_size, 1), max_record
        self.buf, self.base = bytearray(), 0  # buf[0] is absolute offset base

    def more(self, keep: int) -> bool:
        """Read one chunk, dropping bytes before absolute ``keep``; False at end of stream."""
        data = self.stream.read(self.size)
        if not data:
            return False
        if not isinstance(data, bytes | bytearray):
            raise TypeError("split_records needs a binary stream")
        del self.buf[: keep - self.base]  # a bytearray grows in place: no copy per read
        self.buf += data
        self.base = keep
        if len(self.buf) > self.max_record + self.size:
            raise _TooLarge
        return True

    def find(self, pattern: bytes, start: int, keep: int) -> int:
        """Return the absolute offset of ``pattern`` at or after ``start``, or -1 at the end."""
        while True:
            i = self.buf.find(pattern, start - self.base)
            if i >= 0:
                return i + self.base
            # a pattern split across the chunk boundary starts in the last len-1 bytes
            start = max(start, self.base + len(self.buf) - len(pattern) + 1)
            if not self.more(keep):
                return -1

    def get(self, start: int, end: int, keep: int) -> bytes:
        """Return bytes [start, end) as far as the stream has them."""
        while self.base + len(self.buf) < end and self.more(keep):
            pass
        return self.slice(start, end)

    def slice(self, start: int, end: int) -> bytes:
        return bytes(self.buf[start - self.base : end - self.base])


def split_chunks(
    stream: BinaryIO, chunk_size: int = 1 << 20, max_record: int = MAX_RECORD_BYTES
) -> Iterator[bytes | OversizedRecord]:
    """Yield each record element's bytes as received, or an OversizedRecord, in bounded memory.

    Raises HostileXMLError or PubmedXMLError from the prolog before yielding anything, and
    TruncatedXMLError after the last complete record if the root never closes. Stray content
    between records is yielded as is, so ``parse_record`` quarantines it rather than drop it.
    """
    win = _Window(stream, max(chunk_size, 1 << 16), max_record)  # the prolog is rescanned
    try:
        pos = _read_prolog(win)
        win.size = max(chunk_size, 1)
        if pos < 0:  # <PubmedArticleSet/>
            return
        while True:
            lt = win.find(b"<", pos, keep=pos)
            if lt < 0:
                _raise_truncated(win, pos)
            if lt > pos and win.buf[pos - win.base : lt - win.base].strip():
                yield win.slice(pos, lt)  # stray text: quarantined downstream
            name = _tag_at(win, lt, keep=lt)
            if name == b"/" + _ROOT:
                _check_trailer(win, lt)
                return
            if name is None:
                pos = yield from _skip_other(win, lt)
            else:
                pos = yield from _cut_record(win, lt, name)
    except _TooLarge:  # outside a record: not a PubMed document at all
        raise PubmedXMLError(
            f"more than {max_record:,} bytes at byte {win.base} without a record boundary"
        ) from None


def split_records(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Yield each record's bytes; a record over the size cap raises PubmedXMLError."""
    for chunk in split_chunks(stream, chunk_size):
        if isinstance(chunk, OversizedRecord):
            where = f" (PMID {chunk.pmid})" if chunk.pmid else ""
            raise PubmedXMLError(f"a record{where} is {chunk.reason}")
        yield chunk


def _tag_at(win: _Window, lt: int, keep: int) -> bytes | None:
    """Name the record or root end tag starting at ``lt``, or None for anything else."""
    head = win.get(lt, lt + 20, keep=keep)
    for name in _KNOWN:
        n = len(name) + 1
        if head.startswith(name, 1) and len(head) > n and head[n] in _DELIMS:
            return name
    return None


def _cut_record(
    win: _Window, lt: int, name: bytes
) -> Generator[bytes | OversizedRecord, None, int]:
    """Yield one record; a record whose end tag is lost is cut where the next one starts.

    The next one may be a record of any kind or the root's end tag: a damaged last record
    in a complete document is quarantined, not mistaken for a truncated stream.
    """
    end_tag = b"</" + name + b">"
    try:
        end = win.find(end_tag, lt + 1, keep=lt)
    except _TooLarge:
        return (yield from _cut_oversized(win, lt, end_tag))
    limit = end if end >= 0 else win.base + len(win.buf)  # at the end, the window holds all
    boundary = _next_boundary(win.buf, lt + 1 - win.base, limit - win.base)
    if boundary >= 0:
        stop = boundary + win.base
    elif end >= 0:
        stop = end + len(end_tag)
    else:
        _raise_truncated(win, lt)
    yield win.slice(lt, stop)
    return stop


def _cut_oversized(
    win: _Window, lt: int, end_tag: bytes
) -> Generator[bytes | OversizedRecord, None, int]:
    """Past the cap without an end tag: a lost end tag before the next record, or a giant.

    The giant is scanned for its end in constant memory (only a short tail is kept between
    reads) and reported with its PMID instead of its bytes.
    """
    boundary = _next_boundary(win.buf, lt + 1 - win.base, len(win.buf))
    if boundary >= 0:  # everything from lt is still held: a damaged record, cut as usual
        stop = boundary + win.base
        yield win.slice(lt, stop)
        return stop
    head = win.slice(lt, lt + HEAD_BYTES)
    pos = lt + 1
    while True:
        stop = _first_stop(win, pos, end_tag)
        if stop >= 0:
            yield OversizedRecord(best_pmid(head), stop - lt, head, win.max_record)
            return stop
        pos = max(pos, win.base + len(win.buf) - _LONGEST)
        if not win.more(keep=pos):
            raise TruncatedXMLError(
                f"stream ended inside an oversized record (PMID {best_pmid(head) or '?'}) "
                f"at byte {win.base + len(win.buf)} before </PubmedArticleSet>"
            )


def _first_stop(win: _Window, pos: int, end_tag: bytes) -> int:
    """Where the record from before ``pos`` ends in the held bytes: after its end tag or at
    the next boundary, whichever comes first; -1 if neither is held yet."""
    start, stop = pos - win.base, len(win.buf)
    end = win.buf.find(end_tag, start)
    if end >= 0:
        stop = end
    boundary = _next_boundary(win.buf, start, stop)
    if boundary >= 0:
        return boundary + win.base
    return end + len(end_tag) + win.base if end >= 0 else -1


def _next_boundary(buf: bytes | bytearray, start: int, stop: int) -> int:
    """The first record start tag or root end tag in buf[start:stop], or -1.

    A few bytes.find calls: a regex here cost 8% of the whole parse.
    """
    first = -1
    for pattern in _BOUNDARIES:
        i = buf.find(pattern, start, stop)
        while 0 <= i < len(buf) - len(pattern) and buf[i + len(pattern)] not in _DELIMS:
            i = buf.find(pattern, i + 1, stop)  # e.g. <PubmedArticleSet, not <PubmedArticle
        if i >= 0:
            first, stop = i, i
    return first


def _skip_other(win: _Window, lt: int) -> Generator[bytes, None, int]:
    """Pass over a comment or PI between records; yield anything else up to the next record."""
    for opener, closer in ((b"<!--", b"-->"), (b"<?", b"?>")):
        if win.get(lt, lt + len(opener), keep=lt) == opener:
            end = win.find(closer, lt + len(opener), keep=lt)
            if end < 0:
                _raise_truncated(win, lt)
            return end + len(closer)
    nxt = lt
    while True:
        nxt = win.find(b"<", nxt + 1, keep=lt)
        if nxt < 0:
            _raise_truncated(win, lt)
        if _tag_at(win, nxt, keep=lt) is not None:
            break
    yield win.slice(lt, nxt)
    return nxt


def _raise_truncated(win: _Window, pos: int) -> NoReturn:
    """Refuse a stream that stops inside the root element."""
    pmid = best_pmid(win.slice(pos, pos + HEAD_BYTES))
    where = f" inside the record for PMID {pmid}" if pmid else ""
    raise TruncatedXMLError(
        f"stream ended{where} at byte {win.base + len(win.buf)} before </PubmedArticleSet>"
    )


def _check_trailer(win: _Window, lt: int) -> None:
    """Refuse content after the root but comments and PIs: a second document would be lost."""
    pos = win.find(b">", lt, keep=lt) + 1
    if pos == 0:
        _raise_truncated(win, lt)
    while True:
        tail = _MISC.sub(b"", win.buf[pos - win.base :]).strip()
        if tail and not tail.startswith((b"<!--", b"<?")):  # those may end in the next read
            break
        if not win.more(pos):
            if not tail:
                return
            break
    raise PubmedXMLError(f"unexpected content after </PubmedArticleSet>: {bytes(tail[:80])!r}")


def _read_prolog(win: _Window) -> int:
    """Check everything before the root; return where its content starts, -1 for '<X/>'."""
    while (root := _ROOT_START.search(win.buf)) is None:
        if len(win.buf) > _MAX_PROLOG or not win.more(0):
            head = bytes(win.buf[:120])
            if not head.strip():
                raise PubmedXMLError("empty document: expected a <PubmedArticleSet>")
            raise PubmedXMLError(f"not a PubmedArticleSet document: starts with {head!r}")
    _check_prolog(bytes(win.buf[: root.start()]))
    if root.group(1) != _ROOT:
        got = root.group(1).decode(errors="replace")
        snippet = bytes(win.buf[root.start() :][:300])
        raise PubmedXMLError(f"expected a <PubmedArticleSet> document, got <{got}>: {snippet!r}")
    return -1 if win.buf[root.end() - 2] == 0x2F else root.end()


def _check_prolog(prolog: bytes) -> None:
    """Refuse entity declarations and internal subsets; an external DTD id is never fetched."""
    if b"<!ENTITY" in prolog:
        raise HostileXMLError(
            "refusing PubMed XML whose DOCTYPE declares entities (<!ENTITY ...>): "
            "expanding them could exhaust memory, read local files or fetch URLs"
        )
    doctype = _DOCTYPE.search(prolog)
    subset = (doctype.group(1) or b"").strip() if doctype else b""
    if re.search(rb"%[\w.:-]+;", subset):
        raise HostileXMLError("refusing PubMed XML whose DOCTYPE references parameter entities")
    if subset:
        raise HostileXMLError(f"refusing a DOCTYPE internal subset NCBI never sends: {subset!r}")
    prolog = prolog.removeprefix(b"\xef\xbb\xbf")
    if not _PROLOG.fullmatch(prolog):
        raise PubmedXMLError(f"not a PubmedArticleSet document: starts with {prolog[:120]!r}")
    encoding = _ENCODING.match(prolog)  # records are parsed alone, as UTF-8
    if encoding and encoding.group(1).decode().lower() not in _UTF8:
        raise PubmedXMLError(f"unsupported encoding {encoding.group(1).decode()!r}: not UTF-8")
