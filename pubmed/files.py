"""PubMed XML files on disk: efetch replies, NLM baseline and update files, plain or gzip."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


def open_xml(path: Path | str) -> BinaryIO:
    """Open PubMed XML, plain or gzip, by content rather than by file name (caller closes)."""
    with Path(path).open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return Path(path).open("rb")
