"""The whole pipeline, offline, on the bundled real records: what ``make demo`` runs.

The demo writes the warehouse later commands find with no flags (``EVIDENCE_DB``, by default
``warehouse/evidence.duckdb``), marked as demo data: a later real ingest from NCBI refuses to
mix into it, and a later demo replaces it. A file that holds real data is never replaced.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import DATA_DIR, DEFAULT_DB

DEMO_XML = DATA_DIR / "ketamine" / "ketamine-records.xml"
DEMO_NOTE = "records from the local E-utilities stand-in, written by `ketamine-evidence demo`"


class DemoRefused(RuntimeError):
    """The target file holds something the demo must not replace."""


def run_demo(
    db_path: Path = DEFAULT_DB, port: int = 0, api_ready: Callable[[], None] | None = None
) -> int:
    """Serve the bundled records from a local stand-in, ingest them, and say where to look.

    ``api_ready`` waits for a Prefect server launched before the demo began (the command
    line's), so that everything before the flow overlaps that server's start.
    """
    from pipelines.fetch import ingest_flow
    from pubmed.standin.server import EutilsStandIn
    from pubmed.window import HISTORY_START
    from warehouse.report import warehouse_report

    db_path = Path(db_path)
    fresh_demo_file(db_path)
    started = time.monotonic()
    # Some bundled records were rebuilt from datasets without dates; serve them as old ones.
    with EutilsStandIn([DEMO_XML], port=port, undated_as=HISTORY_START) as standin:
        print(
            f"E-utilities stand-in serving {len(standin.pmids)} real PubMed records "
            f"at {standin.base_url}"
        )
        if api_ready is not None:
            api_ready()
        summary = ingest_flow(
            db_path=str(db_path),
            progress=sys.stderr.isatty(),
            eutils_base_url=standin.base_url,
        )
        served = len(standin.requests)
    elapsed = time.monotonic() - started
    print()
    print(warehouse_report(db_path))
    print(
        f"\nDemo finished in {elapsed:.1f} s: run {summary['run_id']}, {served} HTTP requests "
        "to the stand-in."
    )
    print(where_to_look(db_path))
    return 0


def fresh_demo_file(db_path: Path) -> None:
    """Replace an earlier demo's file (or start one); refuse a file with real data in it."""
    from warehouse.db import Warehouse, snapshot_path

    if db_path.exists():
        with Warehouse.open(db_path) as wh:  # read-write: an older file gains the marker table
            note, runs = wh.demo_note(), wh.count("runs")
        if note is None and runs:
            raise DemoRefused(
                f"{db_path} holds a real warehouse ({runs} runs), not demo data; the demo does "
                "not replace it: pass --db PATH (or EVIDENCE_DB) for the demo's own file"
            )
    for stale in (db_path, snapshot_path(db_path)):
        stale.unlink(missing_ok=True)
        stale.with_name(stale.name + ".wal").unlink(missing_ok=True)
    with Warehouse.open(db_path) as wh:
        wh.mark_demo(DEMO_NOTE)


def where_to_look(db_path: Path) -> str:
    """The next commands, with --db only where the demo did not write the default file."""
    db = "" if db_path == DEFAULT_DB else f" --db {db_path}"
    return f"""
Where to look (the demo's warehouse is the one these commands find by default)
  warehouse   {db_path}  (DuckDB; table `articles`, views in schema `marts`; demo data)
  dashboards  .venv/bin/ketamine-evidence dashboard{db}   (http://127.0.0.1:8501)
  summary     .venv/bin/ketamine-evidence status{db}
  claims      .venv/bin/ketamine-evidence claims list{db}; claims/registry.yaml; the Claims page
  citations   .venv/bin/ketamine-evidence cite 40601310 31166571 --format ris{db}
  site        .venv/bin/ketamine-evidence publish site/{db}   (approved claims only)
  SQL         .venv/bin/python -c "import duckdb; print(duckdb.connect('{db_path}', \\
read_only=True).sql('select pmid, year, title from articles limit 5'))"
  real job    NCBI_EMAIL=you@your-clinic.org .venv/bin/ketamine-evidence ingest --db PATH
              (a real ingest refuses to mix NCBI's records into this demo file)
"""
