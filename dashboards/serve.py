"""``ketamine-evidence dashboard``: serve the evidence dashboards with Streamlit.

Binds to 127.0.0.1 unless told otherwise: put it behind the clinic's sign-in to share it
(dashboards/README.md).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from core.settings import DEFAULT_DB

APP = Path(__file__).resolve().parent / "app.py"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ketamine-evidence dashboard", description=__doc__)
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
    return parser.parse_args(argv)


def streamlit_command(db: Path, host: str, port: int) -> list[str]:
    """The command line that serves the app (its own arguments after `--`)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--", "--db", str(db),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboards until interrupted; return Streamlit's exit status."""
    args = parse_args(argv)
    command = streamlit_command(args.db.resolve(), args.host, args.port)
    print(f"Serving the evidence dashboards for {args.db} on http://{args.host}:{args.port}")
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
