"""What the app is pointed at and how people are identified, read once per run.

``streamlit run dashboards/app.py -- --db PATH``; without --db, ``EVIDENCE_DB`` or the
pipeline's default. Roles (reviewers, medical directors) are allow-lists of sign-in e-mails in
``Settings`` (EVIDENCE_REVIEWERS, EVIDENCE_DIRECTORS or the settings file). Who is signed in
comes from Streamlit's OIDC sign-in, or from the header a sign-in proxy sets
(``EVIDENCE_REVIEWER_HEADER``, trusted only while the app listens on loopback), or, on
loopback with nothing of that configured, from the local demo identity. The claims registry,
as the nightly job reads it: ``EVIDENCE_CLAIMS`` or the bundled one.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from core.settings import CLAIMS_FILE, DEFAULT_DB, Settings, SettingsError
from warehouse.db import snapshot_path
from warehouse.inbox import corrections_path

DEMO_EMAIL = "demo@localhost"  # the local demo identity: reviewer and director, loopback only


@dataclass(frozen=True)
class Context:
    """The warehouse the app shows and how this app process may identify people."""

    db_path: Path
    settings: Settings = field(default_factory=Settings)
    # A header set by the clinic's sign-in proxy naming the user (e.g. X-Forwarded-Email);
    # trusted only when configured and while the app listens on loopback behind the proxy.
    proxy_header: str | None = None
    claims_file: Path = CLAIMS_FILE
    listen: str | None = "127.0.0.1"  # the server's bind address; None: every interface
    sign_in: bool = False  # Streamlit's OIDC sign-in is configured ([auth] in its secrets)
    demo: bool = False  # the local demo identity is in force (and in settings' role lists)
    problem: str | None = None  # a configuration that allows no writes at all, and why

    @property
    def snapshot(self) -> Path:
        return snapshot_path(self.db_path)

    @property
    def corrections(self) -> Path:
        return corrections_path(self.db_path)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the server (so a local proxy is its front)."""
        return is_loopback(self.listen)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dashboards/app.py", allow_abbrev=False)
    parser.add_argument("--db", type=Path, help="the live warehouse file (its snapshot is read)")
    args, _ = parser.parse_known_args(list(argv))
    return args


def context_from(
    argv: Sequence[str],
    environ: Mapping[str, str],
    *,
    listen: str | None = "127.0.0.1",
    sign_in: bool = False,
) -> Context:
    """Build the context from script arguments, environment, bind address and sign-in."""
    db = parse_args(argv).db or Path(environ.get("EVIDENCE_DB") or DEFAULT_DB)
    ctx = Context(
        db_path=db,
        proxy_header=environ.get("EVIDENCE_REVIEWER_HEADER") or None,
        claims_file=Path(environ.get("EVIDENCE_CLAIMS") or CLAIMS_FILE),
        listen=listen or None,
        sign_in=sign_in,
    )
    try:
        settings = Settings.from_env(environ, db_path=db)
    except SettingsError as exc:
        return dataclasses.replace(ctx, problem=f"Writes are refused: {exc}.")
    local = ctx.loopback and not str(listen).startswith("unix://")
    nothing_configured = not (
        sign_in or ctx.proxy_header or settings.reviewers or settings.directors
    )
    if local and nothing_configured:
        # A newcomer on this computer tries corrections and approvals as the demo identity.
        demo = (DEMO_EMAIL,)
        settings = dataclasses.replace(settings, reviewers=demo, directors=demo)
        return dataclasses.replace(ctx, settings=settings, demo=True)
    return dataclasses.replace(ctx, settings=settings)


def current_context() -> Context:
    """The context of this app process: its arguments, environment and server options."""
    listen = st.get_option("server.address")
    return context_from(
        sys.argv[1:], os.environ, listen=str(listen) if listen else None, sign_in=auth_configured()
    )


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1, localhost or a Unix socket; None (every interface) is not."""
    if not address:
        return False
    if address == "localhost" or address.startswith("unix://"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def auth_configured() -> bool:
    """Whether Streamlit's own OIDC sign-in is configured ([auth] in its secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own FileNotFoundError
        return False
