"""A study's row from marts.dash_articles back into plain Python for the study page.

DuckDB hands lists over as numpy arrays and missing values as pandas markers; the page and
``format_ama`` want an ``Article`` and plain lists. Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

import pandas as pd

from core.article import AbstractSection, Article
from dashboards.taxonomy import display
from labels.corrections import CORRECTABLE_FIELDS

_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def plain(value: Any) -> Any:
    """A DataFrame cell as plain Python: arrays as lists, timestamps as datetimes, NA as None."""
    if isinstance(value, str | bool | int | float) and not _is_missing(value):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return plain(value.tolist())
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return None if _is_missing(value) else value


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def article_from_row(row: Mapping[str, Any]) -> Article:
    """Rebuild the Article a dash_articles row holds (corrections already applied)."""
    values = {name: plain(row[name]) for name in _ARTICLE_FIELDS if name in row}
    values["abstract_sections"] = tuple(
        AbstractSection(s.get("label"), s.get("category"), s.get("text") or "")
        for s in values.get("abstract_sections") or ()
    )
    values["confidence"] = tuple((c["field"], c["value"]) for c in values.get("confidence") or ())
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = tuple(value)
        elif isinstance(value, datetime) and name.endswith("_date"):
            values[name] = value.date()
    values["is_book"] = bool(values.get("is_book"))
    return Article(**values)


def record_byline(article: Article) -> str:
    """Authors · journal · year for the Study page, saying what PubMed's record lacks rather
    than leaving a gap or printing None."""
    authors = ", ".join(a for a in article.authors[:12] if a.strip())
    journal = article.journal or article.journal_abbrev or "journal not recorded"
    year = str(article.year) if article.year else "year not recorded"
    return " · ".join((authors or "No authors listed in PubMed", journal, year))


def label_value_text(field: str, value: Any) -> str:
    """A label's value for reading: lists joined, taxonomy values named, null as a dash."""
    value = plain(value)
    if isinstance(value, list):
        return ", ".join(display(v) for v in value) if value else "none"
    if value is None:
        return "—"
    if field in ("sample_size", "key_finding"):
        return f"{value:,}" if isinstance(value, int) else str(value)
    return display(str(value))


def label_rows(article: Article, corrected: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Every label with its value, the model's confidence and version, or who corrected it."""
    confidence = dict(article.confidence)
    rows = []
    for field in CORRECTABLE_FIELDS:
        correction = corrected.get(field)
        score = confidence.get(field)
        rows.append(
            {
                "Label": display(field),
                "Value": label_value_text(field, getattr(article, field)),
                "Confidence": "—" if correction or score is None else f"{score:.2f}",
                "Source": _source(article, correction),
            }
        )
    return pd.DataFrame(rows)


def _same_json(correction: Mapping[str, Any]) -> bool:
    """A correction that kept the value it found: the reviewer confirmed the label."""
    old, new = correction.get("old_value"), correction.get("new_value")
    try:
        return old is not None and new is not None and json.loads(old) == json.loads(new)
    except (TypeError, ValueError):
        return False


def _source(article: Article, correction: Mapping[str, Any] | None) -> str:
    if correction:
        when = correction["corrected_at"]
        day = when.date().isoformat() if isinstance(when, datetime) else str(when)[:10]
        state = " (pending merge)" if correction.get("is_pending") else ""
        verb = "confirmed" if _same_json(correction) else "corrected"
        return f"{verb} by {correction['reviewer']} on {day}{state}"
    return f"model {article.model_version}" if article.model_version else "not labelled yet"


def corrections_in_effect(corrections: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The correction in effect per field, from dash_study_corrections rows."""
    if corrections.empty:
        return {}
    current = corrections[corrections["is_in_effect"]]
    return {
        row["field"]: {k: plain(v) for k, v in row.items()} for row in current.to_dict("records")
    }


def corrections_table(corrections: pd.DataFrame) -> pd.DataFrame:
    """A study's corrections, newest first, for reading: who, when, what, why."""
    return pd.DataFrame(
        {
            "When (UTC)": corrections["corrected_at"],
            "Reviewer": corrections["reviewer"],
            "Label": corrections["field"].map(display),
            "From": [
                _json_text(f, v)
                for f, v in zip(corrections["field"], corrections["old_value"], strict=True)
            ],
            "To": [
                _json_text(f, v)
                for f, v in zip(corrections["field"], corrections["new_value"], strict=True)
            ],
            "Why": corrections["reason"],
            "Status": corrections["is_pending"].map(lambda p: "pending merge" if p else "merged"),
        }
    )


def _json_text(field: str, value: Any) -> str:
    if value is None or _is_missing(value):
        return "—"
    return label_value_text(field, json.loads(value))
