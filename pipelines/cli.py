"""The ``ketamine-evidence`` command."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


def open_xml(path: Path) -> BinaryIO:
    """Open PubMed XML, plain or gzip, by content rather than by file name."""
    handle = path.open("rb")
    if handle.peek(2)[:2] == GZIP_MAGIC:  # type: ignore[attr-defined]
        return gzip.GzipFile(fileobj=handle)  # type: ignore[return-value]
    return handle


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def _output(path: str | None, stack: ExitStack) -> IO[str]:
    if path in (None, "-"):
        return sys.stdout
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return stack.enter_context(target.open("w", encoding="utf-8"))


# Characters that str.splitlines() treats as line ends although JSON leaves them unescaped.
_LINE_BREAKERS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _write_jsonl(out: IO[str], record: dict[str, Any]) -> None:
    """One record per line, even for readers that split on Unicode line separators."""
    out.write(json.dumps(record, ensure_ascii=False, default=str).translate(_LINE_BREAKERS))
    out.write("\n")


def cmd_parse(args: argparse.Namespace) -> int:
    """PubMed XML to one JSON record per line; quarantined records are reported on stderr."""
    from pipelines.article import LABEL_FIELDS, Article, Deletion
    from pipelines.pubmed_xml import PubmedXMLError, iter_records

    hidden = {*LABEL_FIELDS, "key_finding", "confidence", "model_version"}
    status = 0
    with ExitStack() as stack:
        out = _output(args.out, stack)
        for path in args.files:
            try:
                with open_xml(Path(path)) as stream:
                    for record in iter_records(stream):
                        if isinstance(record, Article):
                            data = record.to_json()
                            _write_jsonl(out, {k: v for k, v in data.items() if k not in hidden})
                        elif isinstance(record, Deletion):
                            _write_jsonl(out, record.to_json())
                        else:
                            print(
                                f"{path}: quarantined {record.pmid or '?'}: {record.reason}",
                                file=sys.stderr,
                            )
            except (PubmedXMLError, OSError, EOFError) as exc:
                print(f"{path}: error: {exc}", file=sys.stderr)
                status = 1
    return status


def iter_input_articles(path: Path) -> Iterator[Any]:
    """Read articles from PubMed XML or from the JSONL that ``parse`` writes."""
    from pipelines.article import Article, Quarantined, article_from_json
    from pipelines.pubmed_xml import iter_records

    with open_xml(path) as stream:
        head = stream.peek(64) if hasattr(stream, "peek") else b""
        if head.lstrip()[:1] in (b"{", b"["):
            for line in stream:
                if line.strip():
                    data = json.loads(line)
                    if not data.get("deleted"):
                        yield article_from_json(data)
            return
        for record in iter_records(stream):
            if isinstance(record, Article):
                yield record
            elif isinstance(record, Quarantined):
                print(f"{path}: quarantined {record.pmid or '?'}: {record.reason}", file=sys.stderr)


def _classify_fields() -> tuple[str, ...]:
    from pipelines.article import LABEL_FIELDS

    return ("pmid", *LABEL_FIELDS, "key_finding", "confidence", "model_version")


def cmd_classify(args: argparse.Namespace) -> int:
    """Label records offline: one line per record with pmid and every taxonomy field."""
    from itertools import islice

    from pipelines.classify import classify_articles

    records = iter_input_articles(Path(args.input))
    fields = _classify_fields()
    with ExitStack() as stack:
        out = _output(args.output, stack)
        while batch := list(islice(records, 2000)):
            for article in classify_articles(batch):
                data = article.to_json()
                _write_jsonl(out, {k: data[k] for k in fields})
    return 0


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


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline offline against the stand-in serving the bundled records."""
    from pipelines.demo import run_demo

    return run_demo(db_path=args.db, port=args.port)


def cmd_status(args: argparse.Namespace) -> int:
    """Print what the warehouse holds: runs, topics, years, quarantine."""
    from pipelines.report import warehouse_report
    from pipelines.settings import Settings

    settings = Settings.from_env(db_path=args.db)
    print(warehouse_report(settings.db_path))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the evidence dashboards (Streamlit) on 127.0.0.1."""
    from dashboards.serve import main as serve_main

    argv = ["--port", str(args.port), "--host", args.host]
    return serve_main([*argv, *(["--db", str(args.db)] if args.db else [])])


def cmd_standin(args: argparse.Namespace) -> int:
    """Serve recorded PubMed XML as a local E-utilities stand-in until interrupted."""
    from pipelines.standin import main as standin_main

    argv = [*(["--xml", *args.xml] if args.xml else []), "--port", str(args.port)]
    return standin_main(argv) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketamine-evidence", description=__doc__)
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
    p.add_argument("--since", type=_iso_date, help="window start (default: watermark less overlap)")
    p.add_argument("--until", type=_iso_date, help="window end (default: today)")
    p.add_argument("--db", type=Path, help="DuckDB file (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("demo", help="the whole pipeline offline on the bundled real records")
    p.add_argument("--db", type=Path, default=Path("warehouse") / "demo.duckdb")
    p.add_argument("--port", type=int, default=0)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="summarise what the warehouse holds")
    p.add_argument("--db", type=Path)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("dashboard", help="serve the evidence dashboards")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: local only)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("standin", help="serve a local E-utilities stand-in")
    p.add_argument("--xml", nargs="*", help="PubMed XML files to serve")
    p.add_argument("--port", type=int, default=8811)
    p.set_defaults(func=cmd_standin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Prefect's telemetry would try the network on every run; the clinic's job must not.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A first run migrates a fresh Prefect database; on a busy 2-core machine that can pass
    # Prefect's default 20 s wait for its temporary server.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
