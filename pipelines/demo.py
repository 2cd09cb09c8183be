"""The whole pipeline, offline, on the bundled real records: what ``make demo`` runs."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from core.settings import DATA_DIR

DEMO_XML = DATA_DIR / "ketamine" / "ketamine-records.xml"


def run_demo(db_path: Path, port: int = 0) -> int:
    """Serve the bundled records from a local stand-in, ingest them, and say where to look."""
    from pipelines.fetch import ingest_flow
    from pubmed.standin.server import EutilsStandIn
    from pubmed.window import HISTORY_START
    from warehouse.report import warehouse_report

    db_path = Path(db_path)
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    # Some bundled records were rebuilt from datasets without dates; serve them as old ones.
    with EutilsStandIn([DEMO_XML], port=port, undated_as=HISTORY_START) as standin:
        os.environ["EUTILS_BASE_URL"] = standin.base_url
        print(
            f"E-utilities stand-in serving {len(standin.pmids)} real PubMed records "
            f"at {standin.base_url}"
        )
        summary = ingest_flow(db_path=str(db_path), progress=sys.stderr.isatty())
        served = len(standin.requests)
    elapsed = time.monotonic() - started
    print()
    print(warehouse_report(db_path))
    print(
        f"\nDemo finished in {elapsed:.1f} s: run {summary['run_id']}, {served} HTTP requests "
        "to the stand-in."
    )
    print(_where_to_look(db_path))
    return 0


def _where_to_look(db_path: Path) -> str:
    return f"""
Where to look
  warehouse   {db_path}  (DuckDB; table `articles`, views in schema `marts`)
  dashboards  .venv/bin/ketamine-evidence dashboard --db {db_path}   (http://127.0.0.1:8501)
  summary     .venv/bin/ketamine-evidence status --db {db_path}
  claims      claims/registry.yaml; support in marts.claim_overview; the Claims page
  citations   .venv/bin/ketamine-evidence cite 40601310 31166571 --format ris --db {db_path}
  site        .venv/bin/ketamine-evidence publish site/ --db {db_path}   (approved claims only)
  SQL         .venv/bin/python -c "import duckdb; print(duckdb.connect('{db_path}', \\
read_only=True).sql('select pmid, year, title from articles limit 5'))"
  real job    NCBI_EMAIL=you@clinic.example .venv/bin/ketamine-evidence ingest
"""
