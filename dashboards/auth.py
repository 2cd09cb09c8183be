"""Who is using this session and what they may write: an e-mail identity from Streamlit's
OIDC sign-in, from the header of a sign-in proxy the app sits behind on loopback, or the local
demo identity; roles from the allow-lists in Settings. Every write asks again at submit time.

The rules are one pure function (``identify``); ``current_identity`` gathers what the session
knows and asks it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

from dashboards.context import DEMO_EMAIL, Context

# Headers a reverse proxy adds: a page that came through one is not the local demo user.
FORWARDED = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


@dataclass(frozen=True)
class Identity:
    """Who is signed in, their roles, and why this session may not write, if it may not."""

    email: str | None  # who is signed in (OIDC / trusted loopback proxy header / demo identity)
    roles: frozenset[str] = frozenset()  # subset of {"reviewer", "director"}
    source: str = "none"  # "oidc" | "proxy" | "demo" | "none"
    needs_login: bool = False  # sign-in configured, nobody signed in: show the sign-in button
    problem: str | None = None  # why this session may not write (show on the page)

    @property
    def can_correct(self) -> bool:
        """Reviewers and directors may correct labels and judge studies."""
        return self.problem is None and bool(self.roles & {"reviewer", "director"})

    @property
    def can_approve(self) -> bool:
        """Only medical directors approve, edit or withdraw claims and set GRADE."""
        return self.problem is None and "director" in self.roles


@dataclass(frozen=True)
class Session:
    """What one browser session tells us about its user."""

    oidc: str = "off"  # "off" | "no-authlib" | "signed-out" | "signed-in"
    oidc_email: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def refused_open_bind(ctx: Context) -> str:
    where = ctx.listen or "every network interface"
    return (
        f"Writes are refused: this app listens on {where}, beyond this computer, and no "
        "sign-in is configured. Configure the clinic's sign-in (dashboards/README.md, "
        '"Sign-in and roles") or serve it on 127.0.0.1.'
    )


def identify(ctx: Context, session: Session) -> Identity:
    """The identity and roles of a session, by the first way of signing in configured."""
    if ctx.problem:
        return Identity(None, problem=ctx.problem)
    if ctx.sign_in:
        return _oidc(ctx, session)
    if ctx.proxy_header:
        return _proxy(ctx, session, ctx.proxy_header)
    if ctx.demo:
        if any(_header(session, h) for h in FORWARDED):
            return Identity(
                None,
                problem="Writes are refused: the demo identity is for this computer only, "
                "and this page came through a proxy. Configure a sign-in to share the app.",
            )
        return Identity(DEMO_EMAIL, frozenset({"reviewer", "director"}), "demo")
    if not ctx.loopback:
        return Identity(None, problem=refused_open_bind(ctx))
    return Identity(
        None,
        problem="Writes are refused: reviewers and directors are configured but no sign-in "
        'is. Configure the clinic\'s sign-in (dashboards/README.md, "Sign-in and roles").',
    )


def _oidc(ctx: Context, session: Session) -> Identity:
    if session.oidc == "no-authlib":
        return Identity(
            None,
            problem="Writes are refused: sign-in is configured but Authlib is not installed "
            '(pip install "streamlit[auth]").',
        )
    if session.oidc != "signed-in":
        return Identity(None, needs_login=True)
    return _with_roles(ctx, session.oidc_email, "oidc")


def _proxy(ctx: Context, session: Session, header: str) -> Identity:
    if not ctx.loopback:
        return Identity(
            None,
            problem=f"Writes are refused: the {header} header is trusted only while the app "
            f"listens on loopback behind the clinic's sign-in proxy, and it listens on "
            f"{ctx.listen or 'every network interface'}.",
        )
    email = _header(session, header)
    if not email:
        return Identity(
            None,
            problem="Writes are refused: open the dashboards through the clinic's sign-in "
            f"(no {header} header came with this page).",
        )
    return _with_roles(ctx, email, "proxy")


def _header(session: Session, name: str) -> str | None:
    """A request header, by name in any case (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    return next((v for k, v in session.headers.items() if k.lower() == wanted and v), None)


def _with_roles(ctx: Context, email: str | None, source: str) -> Identity:
    who = (email or "").strip()
    if not who:
        return Identity(
            None, source=source, problem="Writes are refused: the sign-in gave no e-mail."
        )
    roles = ctx.settings.roles_of(who)
    if not roles:
        return Identity(
            who,
            source=source,
            problem=f"Signed in as {who}, who is neither a reviewer nor a medical director: "
            "reading only.",
        )
    return Identity(who, roles, source)


def session_facts(ctx: Context) -> Session:
    """What this Streamlit session knows: its sign-in and the headers of its connection."""
    headers = dict(st.context.headers.items())
    if not ctx.sign_in:
        return Session(headers=headers)
    if importlib.util.find_spec("authlib") is None:
        return Session(oidc="no-authlib", headers=headers)
    if not st.user.get("is_logged_in", False):
        return Session(oidc="signed-out", headers=headers)
    email = st.user.get("email")
    return Session("signed-in", str(email) if email else None, headers)


def current_identity(ctx: Context) -> Identity:
    """Who uses this session and what they may write; ask again at submit time."""
    return identify(ctx, session_facts(ctx))
