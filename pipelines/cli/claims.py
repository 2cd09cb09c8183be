"""Commands for writers and the director: ``cite`` and ``publish``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.cli.io import output_stream

CITE_FORMATS = ("ama", "ris", "bibtex", "csljson")


def pmid_arg(text: str) -> str:
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
    from claims.citations import format_ama, to_bibtex, to_csl_json, to_ris

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
    from core.settings import Settings

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
            output_stream(args.out, stack).write(format_citations(articles, args.format))
    return 1 if unknown or deleted else 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the public site (HTML and JSON per approved claim) to OUTDIR in one swap."""
    from datetime import UTC, datetime

    from claims.refresh import load_claim_supports
    from claims.site import published, render_site, write_site
    from core.settings import Settings
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
