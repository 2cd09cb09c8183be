"""Publishing is safe: each publish is a new dated version behind a link swapped atomically,
earlier versions stay, files publish did not write are never deleted, and a folder that is
not a site publish made is refused untouched. Real files under tmp_path; sites rendered from
claims built by hand."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claims.publish import MANIFEST, NotOurSite, write_site
from claims.site import render_site
from core.claim import ClaimSupport

T0 = datetime(2026, 11, 27, 3, 45, tzinfo=UTC)


def _site(wording: str, *, claim_id: str = "rapid-relief") -> dict[str, str]:
    claim = ClaimSupport(
        claim_id=claim_id,
        wording=wording,
        page="/treatments",
        status="approved",
        support="supported",
        cebm_level="2",
        grade=None,
    )
    return render_site([claim], T0)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_site_is_a_link_to_a_dated_version_with_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "public"
    site = _site("Ketamine can relieve depression within hours.")
    done = write_site(site, out, now=T0)
    assert out.is_symlink() and not os.path.isabs(os.readlink(out))
    assert done.version == tmp_path / "public.versions" / "20261127T034500Z"
    assert out.resolve() == done.version.resolve()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    digests = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in site.items()}
    assert manifest["files"] == digests
    page = (out / "claims" / "rapid-relief.html").read_text(encoding="utf-8")
    assert page == site["claims/rapid-relief.html"]


def test_two_publishes_leave_two_versions_and_the_earlier_one_intact(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = write_site(_site("First wording."), out, now=T0)
    second = write_site(_site("Second wording."), out, now=T0)  # the same second: a suffix
    assert [p.name for p in sorted((tmp_path / "public.versions").iterdir()) if p.is_dir()] == [
        "20261127T034500Z",
        "20261127T034500Z-1",
    ]
    assert second.previous == first.version.resolve()
    assert "First wording." in (first.version / "index.html").read_text(encoding="utf-8")
    assert "Second wording." in (out / "index.html").read_text(encoding="utf-8")


def test_the_site_is_never_missing_while_versions_are_swapped(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(_site("Wording 0."), out, now=T0)
    seen: list[str] = []
    missing: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                seen.append(json.loads((out / "claims.json").read_text())["generated_at"])
                (out / "index.html").stat()
            except (OSError, ValueError) as exc:
                missing.append(repr(exc))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(1, 8):
            write_site(_site(f"Wording {n}."), out, now=T0 + timedelta(seconds=n))
            while len(seen) < 5 * n and watcher.is_alive():  # let it look between swaps
                pass
    finally:
        stop.set()
        watcher.join()
    assert missing == [] and len(seen) >= 35
    assert len([p for p in (tmp_path / "public.versions").iterdir() if p.is_dir()]) == 8
    assert "Wording 7." in (out / "index.html").read_text(encoding="utf-8")


def test_files_publish_did_not_write_are_kept_and_still_served(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = write_site(_site("First wording.", claim_id="anxiety"), out, now=T0)
    (out / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (out / "claims" / "notes.txt").write_text("the web team's note", encoding="utf-8")
    (out / "index.html").write_text("edited by hand", encoding="utf-8")
    second = write_site(_site("Other claim.", claim_id="ptsd"), out, now=T0 + timedelta(1))
    assert (out / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\n"
    assert (out / "claims" / "notes.txt").read_text(encoding="utf-8") == "the web team's note"
    assert second.kept == ("claims/notes.txt", "robots.txt")
    assert second.replaced == ("index.html",)
    assert "Other claim." in (out / "index.html").read_text(encoding="utf-8")
    # Nothing was deleted: the earlier version holds every file it held, the edit included.
    before = _tree(first.version)
    assert before["index.html"] == b"edited by hand" and "claims/anxiety.html" in before
    assert not (out / "claims" / "anxiety.html").exists(), "the withdrawn claim's page is gone"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert "robots.txt" not in manifest["files"] and manifest["kept"] == list(second.kept)


def test_a_folder_publish_did_not_make_is_refused_untouched(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    (theirs / "drafts").mkdir(parents=True)
    (theirs / "claims.json").write_text('{"mine": true}', encoding="utf-8")  # a stray one
    (theirs / "thesis.tex").write_text("keep me", encoding="utf-8")
    (theirs / "drafts" / "a.txt").write_text("draft", encoding="utf-8")
    before = _tree(theirs)
    with pytest.raises(NotOurSite, match="publish did not make it"):
        write_site(_site("Wording."), theirs)
    assert _tree(theirs) == before and not theirs.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs"], "nothing made beside it"


def test_a_link_elsewhere_or_a_file_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("theirs", encoding="utf-8")
    link = tmp_path / "public"
    link.symlink_to(elsewhere)
    with pytest.raises(NotOurSite, match="not to a version publish wrote"):
        write_site(_site("Wording."), link)
    assert os.readlink(link) == str(elsewhere)
    assert (elsewhere / "index.html").read_text(encoding="utf-8") == "theirs"
    plain = tmp_path / "plain"
    plain.write_text("a file", encoding="utf-8")
    with pytest.raises(NotOurSite):
        write_site(_site("Wording."), plain)
    assert plain.read_text(encoding="utf-8") == "a file"


def test_an_empty_folder_becomes_the_site(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    write_site(_site("Wording."), out, now=T0)
    assert out.is_symlink() and (out / "index.html").is_file()
