"""The text search's inverted index, rebuilt inside each snapshot before it is published.

The dashboards' search ("every word occurs in the title or abstract, anywhere, ignoring case")
was a scan of every abstract: seconds at a million studies. DuckDB's fts extension downloads
itself at first use, which this project cannot do, so the index is plain tables
(raw/98_search_index.sql) queried by read/dash_search.sql. Its vocabulary holds two kinds of
entry. Tokens (term_id > 0) split the lower-cased text on everything but letters, digits,
marks, '_', '\'' and '-', keeping "treatment-resistant" and "alzheimer's" whole: a searched
word made of those characters lies inside one token, and the tokens containing it (a scan of
the small vocabulary) name exactly the studies the scan found. Chunks (term_id < 0) split the
same text on ASCII white space only, which no searched word holds (the dashboard splits what
is typed on white space), and are kept only if they hold some other character: a word such as
"(IV)" or "p<0.05" lies inside one of them, so it is answered as exactly, without reading any
abstract. The index is built in the snapshot copy only, so the live file never carries it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

BUILD_SQL = Path(__file__).resolve().parent / "sql" / "write" / "search_index_build.sql"


@dataclass(frozen=True)
class IndexBuild:
    """What one build indexed, and how long it took."""

    studies: int
    terms: int
    postings: int
    seconds: float


def build_search_index(path: Path | str, storage_version: str) -> IndexBuild:
    """Fill the index tables of a warehouse file (a snapshot copy) from its current text.

    Opened on its own connection: the file is a fresh copy no other connection holds.
    """
    started = time.perf_counter()
    config: dict[str, Any] = {"storage_compatibility_version": storage_version}
    with duckdb.connect(str(path), config=config) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(BUILD_SQL.read_text(encoding="utf-8"))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
        counts = [
            con.execute(f"SELECT count(*) FROM {table}").fetchone()
            for table in ("search_docs", "search_vocab", "search_postings")
        ]
    (studies,), (terms,), (postings,) = (c or (0,) for c in counts)
    return IndexBuild(studies, terms, postings, time.perf_counter() - started)
