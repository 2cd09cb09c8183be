"""Configuration, read once at entry from the environment and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("warehouse") / "evidence.duckdb"
TOPICS_FILE = PROJECT_DIR / "pubmed" / "topics.yaml"
CLAIMS_FILE = PROJECT_DIR / "claims" / "registry.yaml"
DATA_DIR = PROJECT_DIR / "data"


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
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
