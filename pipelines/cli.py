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
    jobs = min(2, os.cpu_count() or 1)  # a plain process: forking workers is safe here
    with ExitStack() as stack:
        out = _output(args.output, stack)
        while batch := list(islice(records, 4000)):
            for article in classify_articles(batch, n_jobs=jobs):
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
    from pipelines.classify import train_flow
    from pipelines.model_report import format_training_report

    outcome = train_flow(
        db_path=str(args.db) if args.db else None,
        models_dir=str(args.out) if args.out else None,
        cv=not args.no_cv,
    )
    print(format_training_report(outcome.report, outcome.cv_report), end="")
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


CITE_FORMATS = ("ama", "ris", "bibtex", "csljson")


def _pmid(text: str) -> str:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"a PMID is digits only, got {text!r}")
    return text.strip()


def read_stored_articles(db_path: Path, pmids: Sequence[str]) -> list[Any]:
    """Stored records, read from the published snapshot so the nightly writer is never blocked;
    from the live file (read-only) only while no snapshot has been published yet."""
    from warehouse.db import Warehouse, snapshot_path

    snapshot = snapshot_path(db_path)
    source = snapshot if snapshot.exists() else Path(db_path)
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    warehouse = Warehouse.open_when_free(source, read_only=True, wait_seconds=30.0)
    if warehouse is None:
        raise TimeoutError(f"{source} stayed locked by another process for 30 s")
    with warehouse:
        return warehouse.articles(list(pmids))


def format_citations(articles: Sequence[Any], fmt: str) -> str:
    """The articles as one text in a CITE_FORMATS format."""
    from pipelines.citations import format_ama, to_bibtex, to_csl_json, to_ris

    if fmt == "ama":
        return "".join(f"{format_ama(article)}\n" for article in articles)
    if fmt == "ris":
        return to_ris(articles)
    if fmt == "bibtex":
        return to_bibtex(articles)
    return json.dumps(to_csl_json(articles), ensure_ascii=False, indent=2) + "\n"


def cmd_cite(args: argparse.Namespace) -> int:
    """Print citations for PMIDs in the order given; unknown PMIDs are named on stderr (exit 1)
    and the known ones are still written."""
    from pipelines.settings import Settings

    pmids = list(dict.fromkeys(args.pmids))
    db_path = Settings.from_env(db_path=args.db).db_path
    try:
        stored = {a.pmid: a for a in read_stored_articles(db_path, pmids)}
    except (FileNotFoundError, TimeoutError) as exc:
        print(f"cite: {exc}", file=sys.stderr)
        return 1
    unknown = [p for p in pmids if p not in stored]
    deleted = [p for p in pmids if p in stored and stored[p].deleted]
    articles = [stored[p] for p in pmids if p in stored and not stored[p].deleted]
    for article in articles:
        if article.retracted or article.concern:
            notice = "retracted" if article.retracted else "under an expression of concern"
            print(f"cite: warning: PMID {article.pmid} is {notice}", file=sys.stderr)
    if unknown:
        print(f"cite: not in the warehouse: PMID {', '.join(unknown)}", file=sys.stderr)
    if deleted:
        print(f"cite: deleted from PubMed: PMID {', '.join(deleted)}", file=sys.stderr)
    if articles:
        with ExitStack() as stack:
            _output(args.out, stack).write(format_citations(articles, args.format))
    return 1 if unknown or deleted else 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the public site (HTML and JSON per approved claim) to OUTDIR in one swap."""
    from datetime import UTC, datetime

    from pipelines.claims_flow import load_claim_supports
    from pipelines.publish import published, render_site, write_site
    from pipelines.settings import Settings
    from warehouse.db import snapshot_path

    db_path = Settings.from_env(db_path=args.db).db_path
    if not db_path.exists():
        print(f"publish: no warehouse at {db_path}", file=sys.stderr)
        return 1
    snapshot = snapshot_path(db_path)  # the published copy: never blocks the nightly writer
    claims = load_claim_supports(snapshot if snapshot.exists() else db_path)
    try:
        outdir = write_site(render_site(claims, datetime.now(UTC)), args.outdir)
    except FileExistsError as exc:
        print(f"publish: {exc}", file=sys.stderr)
        return 1
    print(f"Published {len(published(claims))} approved claims to {outdir}")
    return 0


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
    p = sub.add_parser("cite", help="citations for PMIDs: AMA, RIS, BibTeX or CSL-JSON")
    p.add_argument("pmids", nargs="+", type=_pmid, metavar="PMID")
    p.add_argument("--format", choices=CITE_FORMATS, default="ama")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.add_argument("--out", help="output file (default: standard output)")
    p.set_defaults(func=cmd_cite)

    p = sub.add_parser("publish", help="write the public evidence pages for approved claims")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_publish)
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
