"""Configuration, read once at entry from the environment and passed down."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("warehouse") / "evidence.duckdb"
TOPICS_FILE = PROJECT_DIR / "pubmed" / "topics.yaml"
CLAIMS_FILE = PROJECT_DIR / "claims" / "registry.yaml"
DATA_DIR = PROJECT_DIR / "data"
SETTINGS_FILE = "settings.toml"  # beside the warehouse, unless EVIDENCE_SETTINGS names one
ROLES = ("reviewer", "director")
_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+")


class SettingsError(ValueError):
    """A setting that cannot be used as given; the message names it and says why."""


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline reads from outside, in one place."""

    eutils_base_url: str = NCBI_EUTILS
    api_key: str | None = None
    email: str = "ketamine-evidence@example.org"
    tool: str = "ketamine-evidence"
    db_path: Path = DEFAULT_DB
    topics_file: Path = TOPICS_FILE
    claims_file: Path = CLAIMS_FILE
    publish_dir: Path | None = None  # where the nightly run republishes the public pages
    data_dir: Path = DATA_DIR
    http_timeout: float = 60.0
    efetch_batch_size: int = 200
    max_retries: int = 6
    backoff_base: float = 1.0
    overlap_days: int = 3
    fetch_workers: int = 3
    task_retries: int = 2
    task_retry_delay: float = 10.0
    # E-utilities answers larger than this are asked for again in smaller batches.
    max_response_bytes: int = 256 << 20
    connect_retries: int = 2  # a server that cannot be connected to is reported after these
    pending_nights: int = 3  # runs a PMID is asked for in vain before it is given up
    # Allow-lists of sign-in e-mails (lower case): reviewers correct labels and judge studies;
    # medical directors approve, edit and withdraw claims and set GRADE, and may also review.
    reviewers: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()

    def roles_of(self, email: str | None) -> frozenset[str]:
        """The roles the allow-lists give this e-mail (matched without regard to case)."""
        who = (email or "").strip().lower()
        if not who:
            return frozenset()
        return frozenset(
            role
            for role, listed in (("reviewer", self.reviewers), ("director", self.directors))
            if who in listed
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "eutils_base_url": env.get("EUTILS_BASE_URL") or NCBI_EUTILS,
            "api_key": env.get("NCBI_API_KEY") or None,
            "email": env.get("NCBI_EMAIL") or cls.email,
            "tool": env.get("NCBI_TOOL") or cls.tool,
            "db_path": Path(env.get("EVIDENCE_DB") or DEFAULT_DB),
        }
        if env.get("EVIDENCE_EFETCH_BATCH"):
            values["efetch_batch_size"] = int(env["EVIDENCE_EFETCH_BATCH"])
        if env.get("EVIDENCE_TOPICS"):
            values["topics_file"] = Path(env["EVIDENCE_TOPICS"])
        if env.get("EVIDENCE_CLAIMS"):
            values["claims_file"] = Path(env["EVIDENCE_CLAIMS"])
        if env.get("EVIDENCE_PUBLISH_DIR"):
            values["publish_dir"] = Path(env["EVIDENCE_PUBLISH_DIR"])
        if env.get("EVIDENCE_HTTP_TIMEOUT"):
            values["http_timeout"] = float(env["EVIDENCE_HTTP_TIMEOUT"])
        if env.get("EVIDENCE_TASK_RETRY_DELAY"):
            values["task_retry_delay"] = float(env["EVIDENCE_TASK_RETRY_DELAY"])
        if env.get("EVIDENCE_BACKOFF_BASE"):
            values["backoff_base"] = float(env["EVIDENCE_BACKOFF_BASE"])
        if env.get("EVIDENCE_MAX_RESPONSE_BYTES"):
            values["max_response_bytes"] = int(env["EVIDENCE_MAX_RESPONSE_BYTES"])
        if env.get("EVIDENCE_PENDING_NIGHTS"):
            values["pending_nights"] = int(env["EVIDENCE_PENDING_NIGHTS"])
        db = Path(overrides.get("db_path") or values["db_path"])  # type: ignore[arg-type]
        values.update(role_lists(env, db))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def role_lists(env: Mapping[str, str], db_path: Path) -> dict[str, tuple[str, ...]]:
    """Reviewers and directors: EVIDENCE_REVIEWERS / EVIDENCE_DIRECTORS (comma-separated
    e-mails) where set, else the [roles] table of the settings file (EVIDENCE_SETTINGS, or
    settings.toml beside the warehouse; a missing default file means no roles)."""
    named = env.get("EVIDENCE_SETTINGS")
    path = Path(named) if named else db_path.parent / SETTINGS_FILE
    from_file = _roles_file(path) if named or path.is_file() else {}
    lists: dict[str, tuple[str, ...]] = {}
    for key, variable in (("reviewers", "EVIDENCE_REVIEWERS"), ("directors", "EVIDENCE_DIRECTORS")):
        if env.get(variable, "").strip():
            lists[key] = identities(env[variable].split(","), variable)
        else:
            lists[key] = identities(from_file.get(key, []), f"{path} [roles] {key}")
    return lists


def _roles_file(path: Path) -> dict[str, Any]:
    try:
        roles = tomllib.loads(path.read_text(encoding="utf-8")).get("roles", {})
    except OSError as exc:
        raise SettingsError(f"settings file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from None
    if not isinstance(roles, dict):
        raise SettingsError(f"settings file {path}: [roles] must be a table")
    unknown = sorted(set(roles) - {"reviewers", "directors"})
    if unknown:
        raise SettingsError(
            f"settings file {path}: [roles] knows reviewers and directors, not {', '.join(unknown)}"
        )
    for key, value in roles.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"settings file {path}: [roles] {key} must be a list of e-mails")
    return roles


def identities(items: Iterable[str], where: str) -> tuple[str, ...]:
    """Sign-in e-mails, trimmed, in lower case, each once; anything else is refused."""
    found: dict[str, None] = {}
    for item in items:
        email = item.strip().lower()
        if not email:
            continue
        if not _EMAIL.fullmatch(email):
            raise SettingsError(
                f"{where}: {item.strip()!r} is not an e-mail address "
                "(roles are the e-mails people sign in with)"
            )
        found[email] = None
    return tuple(found)
