"""Commands that run the pipeline: ingest, baseline, train, demo, status, dashboard, stand-in."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from pipelines.cli.logs import UsageError, describe, quiet_prefect


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the nightly ingestion flow once, after the checks that need no flow."""
    from core.settings import Settings

    end = args.until or datetime.now(UTC).date()
    if args.since and args.since > end:
        until = f"--until {args.until}" if args.until else f"today ({end})"
        raise UsageError(f"--since {args.since} is after {until}: the window would be empty")
    settings = Settings.from_env(db_path=args.db)
    from pipelines.prefect_api import early_prefect_api
    from pubmed.harvest import preflight

    preflight(settings)  # NCBI without a real e-mail, or into demo data: refused, nothing sent
    with early_prefect_api() as api:  # boots while the flow's libraries import
        quiet_prefect(args.debug)
        from pipelines.fetch import ingest_flow

        api.wait_ready()
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
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:  # before Dask and Prefect start: that takes the better part of a minute
        raise UsageError(f"no such file or folder: {', '.join(map(str, missing))}")
    quiet_prefect(args.debug)
    from pipelines.baseline import run_baseline
    from pubmed.nlm_files import list_pubmed_files

    if not list_pubmed_files(args.paths):
        raise UsageError(f"no PubMed XML files (.xml, .xml.gz) in {', '.join(args.paths)}")
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

    quiet_prefect(args.debug)
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
    from core.settings import Settings

    db_path = Settings.from_env(db_path=args.db).db_path  # where later commands look
    from pipelines.prefect_api import early_prefect_api

    with early_prefect_api() as api:  # boots while the demo imports and sets up
        quiet_prefect(args.debug)
        from pipelines.demo import run_demo

        return run_demo(db_path=db_path, port=args.port, api_ready=api.wait_ready)


def cmd_status(args: argparse.Namespace) -> int:
    """Print what the warehouse holds: runs, topics, years, quarantine."""
    from core.settings import Settings
    from warehouse.report import warehouse_report

    path = Settings.from_env(db_path=args.db).db_path
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not a warehouse file")
    try:
        text = warehouse_report(path)
    except Exception as exc:  # DuckDB's own error says why; the command names the file
        raise UsageError(f"cannot read {path} as a warehouse: {describe(exc)}") from exc
    print(text)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the evidence dashboards (Streamlit) on 127.0.0.1."""
    from dashboards.serve import main as serve_main

    argv = ["--port", str(args.port), "--host", args.host]
    argv += ["--secrets", str(args.secrets)] if args.secrets else []  # else $EVIDENCE_AUTH_SECRETS
    return serve_main([*argv, *(["--db", str(args.db)] if args.db else [])])


def cmd_standin(args: argparse.Namespace) -> int:
    """Serve recorded PubMed XML as a local E-utilities stand-in until interrupted."""
    missing = [f for f in args.xml or () if not Path(f).is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    from pubmed.standin.server import main as standin_main

    argv = [*(["--xml", *args.xml] if args.xml else []), "--port", str(args.port)]
    return standin_main(argv) or 0
