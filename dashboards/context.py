"""What the app is pointed at, read once per run from its arguments and the environment.

``streamlit run dashboards/app.py -- --db PATH``; without --db, ``EVIDENCE_DB`` or the
pipeline's default. Reviewers who may correct labels, when no OIDC sign-in is configured:
``EVIDENCE_REVIEWERS`` (comma-separated) or a file of names, one a line
(``EVIDENCE_REVIEWERS_FILE``, default ``reviewers.txt`` next to the warehouse). The claims
registry, as the nightly job reads it: ``EVIDENCE_CLAIMS`` or the bundled one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.settings import CLAIMS_FILE, DEFAULT_DB
from warehouse.db import snapshot_path
from warehouse.inbox import corrections_path

REVIEWERS_FILE = "reviewers.txt"


@dataclass(frozen=True)
class Context:
    """The warehouse the app shows and who may correct it."""

    db_path: Path
    reviewers: tuple[str, ...] = ()
    # A header set by the clinic's sign-in proxy naming the user (e.g. X-Forwarded-Email);
    # trusted only when configured, since the app then listens on 127.0.0.1 behind it.
    reviewer_header: str | None = None
    claims_file: Path = CLAIMS_FILE

    @property
    def snapshot(self) -> Path:
        return snapshot_path(self.db_path)

    @property
    def corrections(self) -> Path:
        return corrections_path(self.db_path)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dashboards/app.py", allow_abbrev=False)
    parser.add_argument("--db", type=Path, help="the live warehouse file (its snapshot is read)")
    args, _ = parser.parse_known_args(list(argv))
    return args


def context_from(argv: Sequence[str], environ: Mapping[str, str]) -> Context:
    """Build the context from script arguments and environment variables."""
    db = parse_args(argv).db or Path(environ.get("EVIDENCE_DB") or DEFAULT_DB)
    default_file = db.parent / REVIEWERS_FILE
    reviewers_file = Path(environ.get("EVIDENCE_REVIEWERS_FILE") or default_file)
    return Context(
        db_path=db,
        reviewers=reviewer_names(environ.get("EVIDENCE_REVIEWERS", ""), reviewers_file),
        reviewer_header=environ.get("EVIDENCE_REVIEWER_HEADER") or None,
        claims_file=Path(environ.get("EVIDENCE_CLAIMS") or CLAIMS_FILE),
    )


def current_context() -> Context:
    """The context of this app process."""
    return context_from(sys.argv[1:], os.environ)


def reviewer_names(listed: str, file: Path | None) -> tuple[str, ...]:
    """Configured reviewer names: the comma-separated list, else the file's lines (# comments)."""
    names = [name.strip() for name in listed.split(",")]
    if not any(names) and file is not None and file.is_file():
        lines = file.read_text(encoding="utf-8").splitlines()
        names = [line.split("#", 1)[0].strip() for line in lines]
    return tuple(dict.fromkeys(name for name in names if name))
