"""The digest of the code that turns a model's probabilities into labels.

A warehouse relabels a record only when its stored model version differs from the shipped
one, so the version must change when a rule, a cue pattern or a text view changes, not only
when the training data or the configuration do. ``model_version`` hashes this digest, the
models file keeps it, and a test refuses a shipped model trained under other labelling code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Everything ``labels.model`` imports from the project (a test checks the list against a fresh
# interpreter's imports); a directory stands for every module in it.
LABELLING_CODE: tuple[str, ...] = (
    "core/article.py",
    "labels/calibration.py",
    "labels/config.py",
    "labels/cue_patterns.py",
    "labels/features.py",
    "labels/model.py",
    "labels/terms.py",
    "labels/text.py",
    "labels/rules",
)


def labelling_code_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The source files the digest covers, in a fixed order."""
    files: list[Path] = []
    for entry in LABELLING_CODE:
        path = root / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def labelling_code_digest(root: Path = PROJECT_ROOT) -> str:
    """A short hash of the labelling code's text (line endings normalised)."""
    h = hashlib.sha256()
    for path in labelling_code_files(root):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes().replace(b"\r\n", b"\n"))
        h.update(b"\0")
    return h.hexdigest()[:12]
