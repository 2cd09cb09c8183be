"""Commands on records: ``parse`` and ``classify`` (offline, no warehouse)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.cli.io import output_stream
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


def input_batches(path: Path) -> tuple[bool, Iterator[list[Any]]]:
    """Batches of a file's records for ``classify``: (True, cut-out XML records) for PubMed
    XML, (False, articles) for the JSONL that ``parse`` writes.

    Input it cannot use raises UsageError naming the file (and line) as the batches are
    read: a missing or empty file, a file that is neither, a JSONL line that is not a record.
    """
    from pipelines.cli.classify_lines import batched

    if not path.is_file():
        raise UsageError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    with open_xml(path) as stream:
        head = stream.peek(64) if hasattr(stream, "peek") else b""
    jsonl = head.lstrip()[:1] in (b"{", b"[")
    return (not jsonl), batched(_jsonl_file(path) if jsonl else _xml_chunks(path))


def _xml_chunks(path: Path) -> Iterator[Any]:
    """The records of an XML file as ``split_chunks`` cuts them; damage is a UsageError."""
    from pubmed.parser import PubmedXMLError, split_chunks

    with open_xml(path) as stream:
        try:
            yield from split_chunks(stream)
        except (PubmedXMLError, EOFError, OSError) as exc:
            raise UsageError(f"{path}: {describe(exc)}") from exc


def _jsonl_file(path: Path) -> Iterator[Any]:
    with open_xml(path) as stream:
        yield from _jsonl_articles(path, stream)


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


def cmd_classify(args: argparse.Namespace) -> int:
    """Label records offline: one line per record with pmid, every taxonomy field, the
    registrations, COI statement, grants and linked notices, and funding by rule;
    quarantined records are reported on stderr."""
    from itertools import islice

    from pipelines.cli.classify_lines import labelled_batches

    xml, batches = input_batches(Path(args.input))
    first = list(islice(batches, 10))  # unusable input fails here, before any output exists
    with ExitStack() as stack:
        out = output_stream(args.output, stack)
        for text, notes in labelled_batches(first, batches, xml):
            out.write(text)
            for pmid, reason in notes:
                print(f"{Path(args.input)}: quarantined {pmid or '?'}: {reason}", file=sys.stderr)
    return 0
