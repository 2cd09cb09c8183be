"""``ketamine-evidence dashboard``: serve the evidence dashboards with Streamlit.

Binds to 127.0.0.1 unless told otherwise. Sign-in (Streamlit's OIDC) is configured by the
``[auth]`` section of a secrets file, ``--secrets FILE`` or ``EVIDENCE_AUTH_SECRETS``, handed to
Streamlit as ``--secrets.files``; bound beyond loopback without sign-in the app refuses every
write (dashboards/README.md, "Sign-in and roles").
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path

from core.settings import DEFAULT_DB, Settings, SettingsError
from dashboards.context import is_loopback

APP = Path(__file__).resolve().parent / "app.py"
PROG = "ketamine-evidence dashboard"
# What st.login() needs in [auth] for the default provider (Streamlit checks the same keys).
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("EVIDENCE_DB") or DEFAULT_DB),
        help="the live warehouse file; the app reads its published snapshot "
        "(default: $EVIDENCE_DB or warehouse/evidence.duckdb)",
    )
    parser.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, local only)"
    )
    parser.add_argument(
        "--secrets",
        type=Path,
        default=Path(os.environ["EVIDENCE_AUTH_SECRETS"])
        if os.environ.get("EVIDENCE_AUTH_SECRETS")
        else None,
        help="a secrets.toml whose [auth] section configures the clinic's OIDC sign-in "
        "(default: $EVIDENCE_AUTH_SECRETS)",
    )
    return parser.parse_args(argv)


def check_secrets(path: Path) -> str | None:
    """Why the secrets file cannot configure sign-in, or None when it can."""
    try:
        auth = tomllib.loads(path.read_text(encoding="utf-8")).get("auth")
    except OSError as exc:
        return f"--secrets {path}: {exc.strerror or exc}"
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return f"--secrets {path} is not valid TOML: {exc}"
    if not isinstance(auth, dict):
        return f"--secrets {path} has no [auth] section"
    missing = [key for key in AUTH_KEYS if not auth.get(key)]
    if missing:
        return f"--secrets {path}: [auth] lacks {', '.join(missing)}"
    if not str(auth["redirect_uri"]).rstrip("/").endswith("/oauth2callback"):
        return f"--secrets {path}: [auth] redirect_uri must end in /oauth2callback"
    return None


def streamlit_command(db: Path, host: str, port: int, secrets: Path | None = None) -> list[str]:
    """The command line that serves the app (its own arguments after `--`)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        *(["--secrets.files", str(secrets)] if secrets else []),
        "--", "--db", str(db),
    ]  # fmt: skip


def refusal(args: argparse.Namespace) -> str | None:
    """One line saying why the app cannot be served as asked, or None."""
    if args.secrets is not None and (problem := check_secrets(args.secrets)):
        return problem
    try:
        Settings.from_env(db_path=args.db)
    except SettingsError as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboards until interrupted; return Streamlit's exit status."""
    args = parse_args(argv)
    if problem := refusal(args):
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    secrets = args.secrets.resolve() if args.secrets else None
    command = streamlit_command(args.db.resolve(), args.host, args.port, secrets)
    print(f"Serving the evidence dashboards for {args.db} on http://{args.host}:{args.port}")
    if secrets is None and not is_loopback(args.host):
        print(
            f"{PROG}: listening on {args.host} without --secrets: unless a "
            ".streamlit/secrets.toml configures sign-in, the app refuses every write",
            file=sys.stderr,
        )
    with subprocess.Popen(command) as proc:
        forwarding = threading.current_thread() is threading.main_thread()
        previous = (
            signal.signal(signal.SIGTERM, lambda *_: proc.terminate()) if forwarding else None
        )
        try:
            return proc.wait()
        except KeyboardInterrupt:  # Streamlit got the same Ctrl-C and stops by itself
            return proc.wait()
        finally:
            if forwarding:
                signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
