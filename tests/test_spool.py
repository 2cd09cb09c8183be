"""The spool on disk: answers are matched by PMID, never by batch number, and a part whose
manifest was never written (a crash mid-write) does not count."""

from __future__ import annotations

import gzip

from pubmed.spool import Spool

BODY = b"<PubmedArticleSet></PubmedArticleSet>\n"


def test_missing_is_by_pmid_whatever_the_batches_were(tmp_path):
    spool = Spool(tmp_path / "spool" / "w")
    ids = [str(n) for n in range(1, 13)]
    for first in range(0, 12, 5)[:2]:  # two batches of five were fetched, then a crash
        scratch = spool.scratch()
        scratch.write_bytes(BODY)
        batch = ids[first : first + 5]
        spool.add_part(batch, returned=batch[:-1], oversized=(), body=scratch)
        scratch.unlink()
    spool.add_too_large("11")
    # requested but not returned (5 and 10) is still missing; 11 is settled as too large
    assert spool.missing(ids) == ["5", "10", "12"]
    assert spool.missing(reversed(ids)) == ["12", "10", "5"]


def test_a_part_without_its_manifest_is_ignored_and_bodies_are_kept_as_received(tmp_path):
    spool = Spool(tmp_path / "w")
    scratch = spool.scratch()
    scratch.write_bytes(BODY)
    part = spool.add_part(["1", "2"], returned=["1", "2"], oversized=(), body=scratch)
    (spool.root / "part-00000000000000000000-deadbeef.xml.gz").write_bytes(gzip.compress(BODY))
    assert [p.name for p in spool.parts()] == [part.name]
    with spool.open_body(part) as stream:
        assert stream.read() == BODY
    assert part.body is not None and gzip.decompress(part.body.read_bytes()) == BODY
    spool.clear()
    assert spool.parts() == [] and spool.missing(["1"]) == ["1"]
