"""Whole-command benchmark: `ketamine-evidence demo`, and a nightly `ingest` with nothing new.

Each command is timed as a whole process, as a user waits for it, against the stand-in (its
own process). The baseline, measured in the same run and the same Prefect home, is the
smallest command that runs a Prefect flow: `python -c` with a one-task flow, which pays
Prefect's import and its temporary server start and nothing of ours. The difference is what
the pipeline itself costs; the parts Prefect costs are printed beside it.

    .venv/bin/python bench/commands_bench.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "ketamine-evidence")
XML = REPO / "data" / "ketamine" / "ketamine-records.xml"
BARE_FLOW = "from prefect import flow, task\nflow(lambda: task(lambda: 1)())()"
IMPORTS = "import pipelines.fetch"
SERVER = (
    "from pipelines.prefect_api import TemporaryApi\n"
    "api = TemporaryApi(); api.launch(); api.wait_ready(); api.stop()"
)
NIGHTLY_GOAL, DEMO_GOAL = 60.0, 30.0


def timed(args: list[str], env: dict[str, str]) -> float:
    """Seconds the command took as a whole process; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-2000:]}")
    return took


def span(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.1f} s" if hi - lo < 0.05 else f"{lo:.1f}-{hi:.1f} s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_standin(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The bundled records on a stand-in in its own process, as NCBI would be."""
    port = free_port()
    args = [sys.executable, "-m", "pubmed.standin.server", "--xml", str(XML), "--port", str(port)]
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()  # it prints its address once it listens
    return proc, f"http://127.0.0.1:{port}/entrez/eutils"


def prefect_parts(env: dict[str, str], repeat: int) -> tuple[list[float], list[float], list[float]]:
    """The bare flow command, our imports alone, and the temporary server's start alone."""
    bare, imports, server = [], [], []
    for _ in range(repeat):
        bare.append(timed([sys.executable, "-c", BARE_FLOW], env))
        imports.append(timed([sys.executable, "-c", IMPORTS], env))
        server.append(timed([sys.executable, "-c", SERVER], env))
    return bare, imports, server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="commands-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NCBI_"))}
    env.update(
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",  # as the command line sets it
        PYTHONPATH=str(REPO),
    )
    first = timed([sys.executable, "-c", BARE_FLOW], env)  # migrates the fresh Prefect home
    demo_db = str(work / "demo" / "evidence.duckdb")
    demos = [timed([CLI, "demo", "--db", demo_db], env) for _ in range(args.repeat)]
    bare, imports, server = prefect_parts(env, args.repeat)

    standin, url = serve_standin(env)
    try:
        nightly_env = {**env, "EUTILS_BASE_URL": url, "EVIDENCE_DB": str(work / "nightly.duckdb")}
        backfill = timed([CLI, "ingest"], nightly_env)
        nights = [timed([CLI, "ingest"], nightly_env) for _ in range(args.repeat)]
    finally:
        standin.terminate()
        standin.wait()

    base = min(bare)
    print(f"bare Prefect flow command (baseline): {span(bare)}  (first, migrating: {first:.1f} s)")
    print(f"  of which our imports alone:          {span(imports)}  (import pipelines.fetch)")
    print(f"  Prefect's temporary server alone:    {span(server)}  (launch to healthy)")
    print(
        f"demo, whole command:                  {span(demos)}  "
        f"{min(demos) / base:.2f}x the baseline  (goal < {DEMO_GOAL:.0f} s)"
    )
    print(f"backfill of the bundled records:      {backfill:.1f} s")
    print(
        f"nightly ingest with nothing new:      {span(nights)}  "
        f"{min(nights) / base:.2f}x the baseline  (goal < {NIGHTLY_GOAL:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
