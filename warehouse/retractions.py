"""The Retraction Watch database, imported from its CSV export, against the stored studies.

PubMed marks a retraction only once its notice is indexed and linked; Retraction Watch often
knows first, and of retractions PubMed never links. ``read_retraction_watch`` reads the export
(its published columns, one record per row) and ``RetractionsMixin.import_retraction_watch``
upserts it into ``raw.retraction_watch`` in one transaction, and matches its retractions to the
live articles by the original paper's PMID, else by DOI, case-insensitively
(``staging.retraction_watch_candidates``, stored in ``retraction_watch_matches``; every load
matches again, so a study loaded after the import is flagged too). ``staging.article_retractions``
gives each article ``retracted`` = PubMed's flag OR Retraction Watch's, as
``marts.articles_current`` (so the claims' evidence and the dashboards) reads it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from typing import Any

from warehouse.base import WarehouseBase, _utcnow, read_sql

# The export's header, as Retraction Watch (and Crossref, which now publishes it) writes it.
CSV_COLUMNS = (
    "Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country", "Author",
    "URLS", "ArticleType", "RetractionDate", "RetractionDOI", "RetractionPubMedID",
    "OriginalPaperDate", "OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature",
    "Reason", "Paywalled", "Notes",
)  # fmt: skip
_DATE_COLUMNS = {"RetractionDate", "OriginalPaperDate"}
_PMID_COLUMNS = {"RetractionPubMedID", "OriginalPaperPubMedID"}
_DOI_COLUMNS = {"RetractionDOI", "OriginalPaperDOI"}
_NO_DOI = {"", "unavailable", "not available", "n/a", "na", "none", "0"}
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


class RetractionWatchError(ValueError):
    """The file is not a usable Retraction Watch export; the message says where and why."""


@dataclass(frozen=True, slots=True)
class RetractionWatchRecord:
    """One row of the export, typed: the columns of ``raw.retraction_watch`` in order."""

    record_id: int
    title: str | None
    subject: str | None
    institution: str | None
    journal: str | None
    publisher: str | None
    country: str | None
    author: str | None
    urls: str | None
    article_type: str | None
    retraction_date: date | None
    retraction_doi: str | None
    retraction_pmid: str | None
    original_paper_date: date | None
    original_paper_doi: str | None
    original_paper_pmid: str | None
    retraction_nature: str | None
    reason: str | None
    paywalled: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class RetractionFlag:
    """A stored study Retraction Watch records as retracted and PubMed has not marked."""

    pmid: str
    record_id: int
    matched_by: str  # "pmid" or "doi"
    retraction_date: date | None
    retraction_pmid: str | None
    retraction_doi: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class RetractionImport:
    """What an import did, and every study flagged afterwards (this import's or earlier)."""

    records: int  # in the file
    new: int
    updated: int
    held: int  # in the warehouse after the import
    matched: int  # stored studies Retraction Watch records as retracted
    already_marked: int  # of those, the ones PubMed marks too
    flagged: tuple[RetractionFlag, ...]


def read_retraction_watch(lines: Iterable[str]) -> list[RetractionWatchRecord]:
    """Parse the export's text (header first); raise RetractionWatchError naming the line."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise RetractionWatchError("the file is empty: expected the export's header") from None
    except csv.Error as exc:
        raise RetractionWatchError(f"line 1: not CSV: {exc}") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise RetractionWatchError(
            f"not a Retraction Watch export: the header lacks {', '.join(missing)}"
        )
    where = {name: header.index(name) for name in CSV_COLUMNS}
    records: dict[int, RetractionWatchRecord] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            record = _record(row, where, len(header), reader.line_num)
            if record.record_id in records:
                raise RetractionWatchError(
                    f"line {reader.line_num}: Record ID {record.record_id} appears twice"
                )
            records[record.record_id] = record
    except csv.Error as exc:
        raise RetractionWatchError(f"line {reader.line_num}: not CSV: {exc}") from None
    return list(records.values())


def _record(row: list[str], where: dict[str, int], width: int, line: int) -> RetractionWatchRecord:
    if len(row) != width:
        raise RetractionWatchError(
            f"line {line}: {len(row)} fields where the header has {width} (a broken quote?)"
        )
    values: list[Any] = []
    for name in CSV_COLUMNS:
        text = row[where[name]].strip()
        try:
            values.append(_value(name, text))
        except ValueError as exc:
            raise RetractionWatchError(f"line {line}: {name}: {exc}") from None
    return RetractionWatchRecord(*values)


def _value(name: str, text: str) -> Any:
    """One cell, typed as its column wants it; ValueError says why it cannot be."""
    if name == "Record ID":
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a record number")
        return int(text)
    if name in _DATE_COLUMNS:
        return _date(text)
    if name in _PMID_COLUMNS:
        if text in ("", "0"):
            return None
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a PMID")
        return str(int(text))
    if name in _DOI_COLUMNS:
        doi = _DOI_PREFIX.sub("", text).strip()
        return None if doi.lower() in _NO_DOI else doi
    return text or None


def _date(text: str) -> date | None:
    """The export writes 'm/d/yyyy 0:00'; ISO dates are read too."""
    if not text:
        return None
    if m := _US_DATE.fullmatch(text):
        month, day, year = map(int, m.groups())
        return date(year, month, day)
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date (expected m/d/yyyy)") from None


_COLUMNS = (*(f.name for f in fields(RetractionWatchRecord)), "source_file", "imported_at")


class RetractionsMixin(WarehouseBase):
    """The imported Retraction Watch database and the studies it flags."""

    def import_retraction_watch(
        self, records: Sequence[RetractionWatchRecord], source: str
    ) -> RetractionImport:
        """Upsert the records by Record ID in one transaction; report what is flagged now."""
        now = _utcnow()
        rows = [(*astuple(r), source, now) for r in records]
        with self._transaction():
            self._run("write", "retraction_watch_stage")
            self._append("stage_retraction_watch", _COLUMNS, rows)
            ((new, updated),) = self._run("write", "retraction_watch_count")
            self._run("write", "retraction_watch_upsert")
            self._run("write", "retraction_watch_drop_stage")
            self._run("write", "retraction_watch_refresh")
        ((held, matched, already),) = self._run("read", "retraction_watch_summary")
        return RetractionImport(
            records=len(rows),
            new=new,
            updated=updated,
            held=held,
            matched=matched,
            already_marked=already,
            flagged=self.retraction_watch_flags(),
        )

    def retraction_watch_flags(self) -> tuple[RetractionFlag, ...]:
        """Stored studies Retraction Watch records as retracted and PubMed has not marked."""
        sql = read_sql("read", "retraction_watch_flags")
        return tuple(RetractionFlag(**row) for row in self._dicts(sql))
