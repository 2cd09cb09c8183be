"""Commands that run the pipeline: ingest, baseline, train, demo, status, dashboard, stand-in."""

from __future__ import annotations

import argparse
import json
import sys


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the nightly ingestion flow once."""
    from pipelines.fetch import ingest_flow

    summary = ingest_flow(
        since=args.since,
        until=args.until,
        db_path=str(args.db) if args.db else None,
        progress=sys.stderr.isatty(),
    )
    print(json.dumps(summary, indent=2, default=str))
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    """Load NLM baseline and update files through the bulk flow; exit 1 if a file was unreadable."""
    from pipelines.baseline import run_baseline

    summary = run_baseline(
        args.paths,
        db_path=args.db,
        scheduler=args.scheduler,
        workers=args.workers,
        force=args.force,
        processes=not args.threads,
    )
    print(json.dumps(summary, indent=2, default=str))
    for name, error in summary["unreadable"].items():
        print(f"{name}: unreadable, quarantined and not applied: {error}", file=sys.stderr)
    return 1 if summary["unreadable"] else 0


def cmd_train(args: argparse.Namespace) -> int:
    """Retrain the models from the repository's data and the warehouse; print the report."""
    from labels.evaluation import format_training_report
    from pipelines.classify import train_flow

    outcome = train_flow(
        db_path=str(args.db) if args.db else None,
        models_dir=str(args.out) if args.out else None,
        cv=not args.no_cv,
    )
    print(format_training_report(outcome.report, outcome.previous_report), end="")
    print(f"\nModels saved to {outcome.model_path}")
    if outcome.stored:
        print("Version and report stored in the warehouse (model_versions).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline offline against the stand-in serving the bundled records."""
    from pipelines.demo import run_demo

    return run_demo(db_path=args.db, port=args.port)


def cmd_status(args: argparse.Namespace) -> int:
    """Print what the warehouse holds: runs, topics, years, quarantine."""
    from core.settings import Settings
    from warehouse.report import warehouse_report

    settings = Settings.from_env(db_path=args.db)
    print(warehouse_report(settings.db_path))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the evidence dashboards (Streamlit) on 127.0.0.1."""
    from dashboards.serve import main as serve_main

    argv = ["--port", str(args.port), "--host", args.host]
    argv += ["--secrets", str(args.secrets)] if args.secrets else []  # else $EVIDENCE_AUTH_SECRETS
    return serve_main([*argv, *(["--db", str(args.db)] if args.db else [])])


def cmd_standin(args: argparse.Namespace) -> int:
    """Serve recorded PubMed XML as a local E-utilities stand-in until interrupted."""
    from pubmed.standin.server import main as standin_main

    argv = [*(["--xml", *args.xml] if args.xml else []), "--port", str(args.port)]
    return standin_main(argv) or 0
