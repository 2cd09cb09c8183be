"""The ``ketamine-evidence`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.cli.claims import (
    CITE_FORMATS,
    add_claims_parser,
    cmd_cite,
    cmd_publish,
    pmid_arg,
)
from pipelines.cli.dossier import add_dossier_arguments
from pipelines.cli.io import iso_date
from pipelines.cli.logs import DEBUG_FLAG, report, split_debug
from pipelines.cli.records import cmd_classify, cmd_parse
from pipelines.cli.retractions import add_retractions_parser
from pipelines.cli.runs import (
    cmd_baseline,
    cmd_dashboard,
    cmd_demo,
    cmd_ingest,
    cmd_standin,
    cmd_status,
    cmd_train,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketamine-evidence", description=__doc__)
    parser.add_argument(
        DEBUG_FLAG, action="store_true", help="show tracebacks (before or after the command)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="PubMed XML (plain or .gz) to JSON lines")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", help="output file (default: standard output)")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("classify", help="label PubMed XML or parse's JSONL by the taxonomy")
    p.add_argument("--input", required=True, help="PubMed XML (plain or .gz) or JSONL")
    p.add_argument("--output", help="output JSONL (default: standard output)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("ingest", help="run the nightly ingestion flow once")
    p.add_argument("--since", type=iso_date, help="window start (default: watermark less overlap)")
    p.add_argument("--until", type=iso_date, help="window end (default: today)")
    p.add_argument("--db", type=Path, help="DuckDB file (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("baseline", help="bulk-load NLM baseline and update files (Dask)")
    p.add_argument("paths", nargs="+", metavar="FILES_OR_DIR", help="XML files (.gz) or folders")
    p.add_argument("--db", type=Path, help="DuckDB file (default: $EVIDENCE_DB)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    where.add_argument("--workers", type=int, help="local cluster processes (default: CPUs, ≤4)")
    p.add_argument("--threads", action="store_true", help="local workers as threads: quick start")
    p.add_argument("--force", action="store_true", help="reprocess files loaded before")
    p.set_defaults(func=cmd_baseline)

    p = sub.add_parser("train", help="retrain the models and print held-out metrics")
    p.add_argument("--db", type=Path, help="warehouse with corrections (default: $EVIDENCE_DB)")
    p.add_argument("--out", type=Path, help="models directory (default: the shipped models/)")
    p.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("demo", help="the whole pipeline offline on the bundled real records")
    p.add_argument("--db", type=Path, help="DuckDB file (default: $EVIDENCE_DB, as later commands)")
    p.add_argument("--port", type=int, default=0)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="summarise what the warehouse holds")
    p.add_argument("--db", type=Path)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("dashboard", help="serve the evidence dashboards")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: local only)")
    p.add_argument("--secrets", type=Path, help="secrets.toml whose [auth] configures sign-in")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("standin", help="serve a local E-utilities stand-in")
    p.add_argument("--xml", nargs="*", help="PubMed XML files to serve")
    p.add_argument("--port", type=int, default=8811)
    p.set_defaults(func=cmd_standin)
    p = sub.add_parser("cite", help="citations for PMIDs: AMA, RIS, BibTeX or CSL-JSON")
    p.add_argument("pmids", nargs="+", type=pmid_arg, metavar="PMID")
    p.add_argument("--format", choices=CITE_FORMATS, default="ama")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.add_argument("--out", help="output file (default: standard output)")
    p.set_defaults(func=cmd_cite)

    p = sub.add_parser("publish", help="write the public evidence pages for approved claims")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_publish)

    add_retractions_parser(sub)
    claims_actions = add_claims_parser(sub)
    p = claims_actions.add_parser("dossier", help="export a claim's frozen approval dossiers")
    add_dossier_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Prefect's telemetry would try the network on every run; the clinic's job must not.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A first run migrates a fresh Prefect database; on a busy 2-core machine that can pass
    # Prefect's default 20 s wait for its temporary server.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    words, debug = split_debug(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(words)
    args.debug = debug
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # every failure is one line on stderr, unless debugging
        if debug:
            raise
        return report(args.command, exc)
