"""PubMed XML files on disk: efetch replies, NLM baseline and update files, plain or gzip."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


def open_xml(path: Path | str) -> BinaryIO:
    """Open PubMed XML, plain or gzip, by content rather than by file name (caller closes).

    The file is opened once and its first bytes peeked at, so a pipe (``/dev/stdin``, a FIFO)
    works as well as a file.
    """
    raw = Path(path).open("rb")  # noqa: SIM115 (returned open, or closed on failure)
    try:
        magic = raw.peek(2)[:2]
    except BaseException:
        raw.close()
        raise
    if magic == GZIP_MAGIC:
        return _GzipFile(raw)  # type: ignore[return-value]
    return raw


class _GzipFile(gzip.GzipFile):
    """A gzip reader over an open file that closes that file too."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()
