"""Writing the public site: every publish is a new dated version, swapped in atomically.

The layout, for ``publish /srv/www/evidence``::

    /srv/www/evidence             a symbolic link to evidence.versions/<version>
    /srv/www/evidence.versions/   every version ever published, in time order by name
        20261127T034512Z/         index.html, claims.json, claims/<id>.html and .json,
                                  .ketamine-evidence-manifest.json (each file written, sha256)

A version is written in full beside the others, then a new link replaces the old one with
os.replace (a rename, atomic), so the site is always the old set or the new one and never
missing. Nothing is deleted: earlier versions stay (to roll back, point the link at one).
Files in the live version that publish did not write (its manifest does not list them) are
copied into the new one, so they go on being served. An OUTDIR that exists and is not ours
(a folder of files with no manifest, a link elsewhere, a plain file) is refused untouched.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = ".ketamine-evidence-manifest.json"
GENERATOR = "ketamine-evidence publish"
LOCK = ".publish.lock"


class NotOurSite(FileExistsError):
    """OUTDIR exists and publish did not make it; nothing was touched."""


@dataclass(frozen=True)
class Published:
    """What one publish did."""

    outdir: Path
    version: Path  # the folder the link now points at
    written: tuple[str, ...]  # the site's files, relative to the version
    kept: tuple[str, ...] = ()  # files publish did not write, carried over from the last version
    replaced: tuple[str, ...] = ()  # files edited by hand since the last publish (kept there)
    previous: Path | None = None  # the version the link pointed at before


def versions_dir(outdir: Path) -> Path:
    """Where the versions of a site live: beside it, named after it."""
    return outdir.with_name(f"{outdir.name}.versions")


def write_site(
    files: Mapping[str, str | bytes], outdir: Path, *, now: datetime | None = None
) -> Published:
    """Write the files as a new version of the site at outdir and switch the site to it.

    NotOurSite (touching nothing) if outdir exists and is not a site publish made here.
    """
    outdir = Path(outdir).absolute()
    _current(outdir)  # refuse a foreign outdir before creating anything beside it
    versions = versions_dir(outdir)
    if versions.exists() and (versions.is_symlink() or not versions.is_dir()):
        raise NotOurSite(f"{versions} is not a folder of published versions; not touching it")
    versions.mkdir(parents=True, exist_ok=True)
    with _locked(versions):
        previous = _current(outdir)  # again: another publish may have switched it meanwhile
        version = _new_version(versions, now or datetime.now(UTC))
        try:
            written = {rel: _write_file(version, rel, content) for rel, content in files.items()}
            kept, replaced = _carry_over(previous, version, written)
            _write_manifest(version, written, kept)
            _switch(outdir, version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)  # only what this call wrote or copied
            raise
        _fsync_dir(outdir.parent)
    return Published(outdir, version, tuple(sorted(written)), kept, replaced, previous)


def _current(outdir: Path) -> Path | None:
    """The version outdir shows now; None if there is none yet. NotOurSite if not ours."""
    if outdir.is_symlink():
        target = (outdir.parent / os.readlink(outdir)).resolve()
        if target.parent != versions_dir(outdir).resolve():
            raise NotOurSite(f"{outdir} is a link to {target}, not to a version publish wrote")
        return target if (target / MANIFEST).is_file() else None
    if not outdir.exists():
        return None
    if outdir.is_dir() and not any(outdir.iterdir()):
        return None
    earlier = " (a site published before versions? move it aside once)"
    hint = earlier if (outdir / "claims.json").is_file() else ""
    raise NotOurSite(
        f"{outdir} exists and publish did not make it (no {MANIFEST} behind a link); "
        f"not touching it: move it aside or publish elsewhere{hint}"
    )


@contextmanager
def _locked(versions: Path) -> Iterator[None]:
    """One publish of a site at a time, across processes (the nightly job and the app)."""
    with (versions / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _new_version(versions: Path, now: datetime) -> Path:
    """A new, empty version folder named by the time (UTC), made exclusively."""
    stem = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        version = versions / (stem if n == 0 else f"{stem}-{n}")
        try:
            version.mkdir(mode=0o755)
        except FileExistsError:
            continue
        version.chmod(0o755)  # whatever the umask: the web server must read it
        return version
    raise FileExistsError(f"no free version name for {stem} in {versions}")


def _write_file(root: Path, relative: str, content: str | bytes) -> str:
    """Write one file of the site durably; its sha256."""
    if Path(relative).is_absolute() or ".." in Path(relative).parts or relative == MANIFEST:
        raise ValueError(f"not a path inside the site: {relative!r}")
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return hashlib.sha256(data).hexdigest()


def _manifest(version: Path) -> dict[str, str]:
    """The files a version's publish wrote, with their sha256."""
    data = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data["files"].items()}


def _carry_over(
    previous: Path | None, version: Path, written: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Copy the files publish did not write from the previous version into the new one.

    Returns (kept, replaced): files carried over, and files at a path this publish writes that
    were not as publish left them (those stay, as they were, in the previous version).
    """
    if previous is None:
        return (), ()
    ours = _manifest(previous)
    kept, replaced = [], []
    for path in sorted(_files(previous)):
        relative = path.relative_to(previous).as_posix()
        if relative == MANIFEST:
            continue
        if relative in ours:
            if relative in written and _sha256(path) != ours[relative]:
                replaced.append(relative)
            continue
        if relative in written:
            replaced.append(relative)
            continue
        target = version / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            os.symlink(os.readlink(path), target)
        else:
            shutil.copy2(path, target)
        kept.append(relative)
    return tuple(kept), tuple(replaced)


def _files(root: Path) -> Iterator[Path]:
    """Every file and link under root, never following links."""
    for folder, dirs, names in os.walk(root, followlinks=False):
        base = Path(folder)
        for name in names:
            yield base / name
        for name in dirs:
            if (base / name).is_symlink():
                yield base / name


def _sha256(path: Path) -> str:
    if path.is_symlink():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_manifest(version: Path, written: Mapping[str, str], kept: tuple[str, ...]) -> None:
    manifest = {
        "generator": GENERATOR,
        "version": version.name,
        "files": dict(sorted(written.items())),
        "kept": list(kept),  # not written by publish: carried over from the version before
    }
    path = version / MANIFEST
    with path.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def _switch(outdir: Path, version: Path) -> None:
    """Point outdir at the version: a new link renamed over the old one, never a gap."""
    outdir.parent.mkdir(parents=True, exist_ok=True)
    link = outdir.with_name(f".{outdir.name}.link-{os.getpid()}-{secrets.token_hex(4)}")
    os.symlink(os.path.relpath(version, outdir.parent), link)
    try:
        if outdir.is_dir() and not outdir.is_symlink():
            outdir.rmdir()  # empty (checked): there was no site to keep showing
        os.replace(link, outdir)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
