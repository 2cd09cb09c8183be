"""``retractions import FILE.csv``: the Retraction Watch export loaded offline; what it flags."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_retractions_parser(sub: Any) -> None:
    """The ``retractions`` command and its ``import`` action."""
    p = sub.add_parser("retractions", help="cross-check stored studies against Retraction Watch")
    actions = p.add_subparsers(dest="retractions_action", required=True, metavar="ACTION")
    p = actions.add_parser("import", help="load the Retraction Watch CSV export (offline)")
    p.add_argument("file", type=Path, metavar="FILE.csv", help="the database's CSV export")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_retractions_import)


def cmd_retractions_import(args: argparse.Namespace) -> int:
    """Upsert the export into the warehouse and print the studies it flags as retracted."""
    from core.settings import Settings
    from warehouse.db import Warehouse
    from warehouse.retractions import RetractionWatchError, read_retraction_watch

    db_path = Settings.from_env(db_path=args.db).db_path
    try:  # the whole file is checked before the warehouse is touched
        with args.file.open(encoding="utf-8-sig", newline="") as lines:
            records = read_retraction_watch(lines)
    except RetractionWatchError as exc:
        return _fail(f"{args.file}: {exc}")
    except UnicodeDecodeError as exc:
        return _fail(f"{args.file}: not UTF-8 text (byte {exc.start}): save the export as UTF-8")
    except OSError as exc:
        return _fail(f"{args.file}: {exc.strerror or exc}")
    if not db_path.exists():
        return _fail(f"no warehouse at {db_path} (run ingest or demo first, or pass --db)")
    warehouse = Warehouse.open_when_free(db_path, wait_seconds=30.0)
    if warehouse is None:
        return _fail(f"{db_path} stayed locked by another process (the nightly job?) for 30 s")
    with warehouse:
        result = warehouse.import_retraction_watch(records, source=str(args.file))
        warehouse.publish_snapshot()  # the dashboards and publish read the snapshot
    print(_report(result, args.file), end="")
    return 0


def _fail(message: str) -> int:
    print(f"retractions import: {message}", file=sys.stderr)
    return 1


def _report(result: Any, source: Path) -> str:
    lines = [
        f"Imported {result.records} Retraction Watch records from {source}: {result.new} new, "
        f"{result.updated} updated (the warehouse holds {result.held}).",
        f"Retraction Watch records {result.matched} stored studies as retracted; PubMed marks "
        f"{result.already_marked} of them too.",
    ]
    if not result.flagged:
        lines.append("No stored study is retracted by Retraction Watch's word alone.")
        return "\n".join(lines) + "\n"
    count = len(result.flagged)
    lines.append(f"Flagged {count} stored studies PubMed has not marked as retracted:")
    for flag in result.flagged:
        when = f"retracted {flag.retraction_date}" if flag.retraction_date else "retracted"
        notice = f", notice PMID {flag.retraction_pmid}" if flag.retraction_pmid else ""
        lines.append(
            f"  PMID {flag.pmid}: Retraction Watch record {flag.record_id}, {when}{notice}, "
            f"matched by {'PMID' if flag.matched_by == 'pmid' else 'DOI'}: {flag.title or ''}"
        )
    lines.append(
        "They count as retracted in the claims' evidence and on the dashboards now; stored claim "
        "support follows at the next claims run."
    )
    return "\n".join(lines) + "\n"
