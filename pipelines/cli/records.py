"""Commands on records: ``parse`` and ``classify`` (offline, no warehouse)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.cli.io import output_stream, write_jsonl
from pubmed.files import open_xml


def cmd_parse(args: argparse.Namespace) -> int:
    """PubMed XML to one JSON record per line; quarantined records are reported on stderr."""
    from core.article import LABEL_FIELDS, Article, Deletion
    from pubmed.parser import PubmedXMLError, iter_records

    hidden = {*LABEL_FIELDS, "key_finding", "confidence", "model_version"}
    status = 0
    with ExitStack() as stack:
        out = output_stream(args.out, stack)
        for path in args.files:
            try:
                with open_xml(Path(path)) as stream:
                    for record in iter_records(stream):
                        if isinstance(record, Article):
                            data = record.to_json()
                            write_jsonl(out, {k: v for k, v in data.items() if k not in hidden})
                        elif isinstance(record, Deletion):
                            write_jsonl(out, record.to_json())
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
    from core.article import Article, Quarantined, article_from_json
    from pubmed.parser import iter_records

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
    from core.article import LABEL_FIELDS

    return ("pmid", *LABEL_FIELDS, "key_finding", "confidence", "model_version")


def cmd_classify(args: argparse.Namespace) -> int:
    """Label records offline: one line per record with pmid and every taxonomy field."""
    from itertools import islice

    from labels.shipped import classify_articles

    records = iter_input_articles(Path(args.input))
    fields = _classify_fields()
    jobs = min(2, os.cpu_count() or 1)  # a plain process: forking workers is safe here
    with ExitStack() as stack:
        out = output_stream(args.output, stack)
        while batch := list(islice(records, 4000)):
            for article in classify_articles(batch, n_jobs=jobs):
                data = article.to_json()
                write_jsonl(out, {k: data[k] for k in fields})
    return 0
