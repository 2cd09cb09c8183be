"""Commands on records: ``parse`` and ``classify`` (offline, no warehouse)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.cli.io import output_stream, write_jsonl
from pipelines.cli.logs import UsageError, describe
from pubmed.files import open_xml


def cmd_parse(args: argparse.Namespace) -> int:
    """PubMed XML to one JSON record per line; quarantined records are reported on stderr."""
    from pipelines.cli.parse_lines import Helper, rendered_batches
    from pubmed.parser import PubmedXMLError

    status = 0
    with ExitStack() as stack:
        out = output_stream(args.out, stack)
        helper = stack.enter_context(Helper())  # started only for a file of several batches
        for path in args.files:
            try:
                with open_xml(Path(path)) as stream:
                    for text, notes in rendered_batches(stream, helper):
                        out.write(text)
                        for pmid, reason in notes:
                            print(f"{path}: quarantined {pmid or '?'}: {reason}", file=sys.stderr)
            except (PubmedXMLError, OSError, EOFError) as exc:
                print(f"{path}: error: {exc}", file=sys.stderr)
                status = 1
    return status


def iter_input_articles(path: Path) -> Iterator[Any]:
    """Read articles from PubMed XML or from the JSONL that ``parse`` writes.

    Input it cannot use raises UsageError naming the file (and line): a missing or empty
    file, a file that is neither, a JSONL line that is not a record with a PMID.
    """
    from core.article import Article, Quarantined
    from pubmed.parser import PubmedXMLError, iter_records

    if not path.is_file():
        raise UsageError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    with open_xml(path) as stream:
        head = stream.peek(64) if hasattr(stream, "peek") else b""
        if head.lstrip()[:1] in (b"{", b"["):
            yield from _jsonl_articles(path, stream)
            return
        try:
            for record in iter_records(stream):
                if isinstance(record, Article):
                    yield record
                elif isinstance(record, Quarantined):
                    print(
                        f"{path}: quarantined {record.pmid or '?'}: {record.reason}",
                        file=sys.stderr,
                    )
        except (PubmedXMLError, EOFError, OSError) as exc:
            raise UsageError(f"{path}: {describe(exc)}") from exc


def _jsonl_articles(path: Path, lines: Iterable[bytes]) -> Iterator[Any]:
    """Articles from parse's JSONL; deleted PMIDs are skipped, anything else is refused."""
    from core.article import article_from_json

    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path} line {number}: not JSON ({exc})") from exc
        pmid = data.get("pmid") if isinstance(data, dict) else None
        if not isinstance(pmid, str | int) or not str(pmid).isdigit():
            raise UsageError(f"{path} line {number}: not a record with a PMID ('pmid' digits)")
        if data.get("deleted"):
            continue
        try:
            yield article_from_json({**data, "pmid": str(pmid)})
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise UsageError(f"{path} line {number}: unusable record: {describe(exc)}") from exc


# What a reviewer weighs beyond the label, carried on each classify line as parse read it.
ENRICHMENT_FIELDS = ("registry_ids", "coi_statement", "grants", "comments_corrections")


def _classify_fields() -> tuple[str, ...]:
    from core.article import LABEL_FIELDS

    labels = (*LABEL_FIELDS, "key_finding", "confidence", "needs_review", "model_version")
    return ("pmid", *labels, *ENRICHMENT_FIELDS)


def _classify_line(article: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The label fields and the enrichment, then funding and industry authorship by rule."""
    from labels.funding import read_funding

    data = article.to_json()
    reading = read_funding(article)
    line = {k: data[k] for k in fields}
    line["funding"], line["industry_authors"] = reading.funding, reading.industry_authors
    return line


def cmd_classify(args: argparse.Namespace) -> int:
    """Label records offline: one line per record with pmid, every taxonomy field, the
    registrations, COI statement, grants and linked notices, and funding by rule."""
    from itertools import islice

    from labels.shipped import classify_articles

    records = iter_input_articles(Path(args.input))
    fields = _classify_fields()
    jobs = min(2, os.cpu_count() or 1)  # a plain process: forking workers is safe here
    batch = list(islice(records, 4000))  # unusable input fails here, before any output exists
    with ExitStack() as stack:
        out = output_stream(args.output, stack)
        while batch:
            for article in classify_articles(batch, n_jobs=jobs):
                write_jsonl(out, _classify_line(article, fields))
            batch = list(islice(records, 4000))
    return 0
