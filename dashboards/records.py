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
from urllib.parse import quote

import pandas as pd

from core.article import AbstractSection, Article, CommentCorrection, Grant
from dashboards.taxonomy import display
from labels.appraisal.types import Appraisal, Effect
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
    values["grants"] = tuple(
        Grant(g.get("id"), g.get("agency"), g.get("country")) for g in values.get("grants") or ()
    )
    values["comments_corrections"] = tuple(
        CommentCorrection(c.get("type") or "", c.get("pmid"))
        for c in values.get("comments_corrections") or ()
    )
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


# --- what a reviewer weighs beyond the labels: registrations, linked notices, funding -------

ICTRP = "https://trialsearch.who.int/Trial2.aspx?TrialID={id}"
# Registry pages by the canonical id's prefix (pubmed/xml_fields.py's forms); any other
# registry's record is found through WHO's ICTRP search portal, which holds them all.
_REGISTRY_PAGES = (
    ("NCT", "ClinicalTrials.gov", "https://clinicaltrials.gov/study/{id}"),
    ("ISRCTN", "ISRCTN registry", "https://www.isrctn.com/{id}"),
    ("ACTRN", "ANZCTR", "https://www.anzctr.org.au/{id}.aspx"),
    ("ChiCTR", "ChiCTR (via WHO ICTRP)", ICTRP),
    ("EUCTR", "EU Clinical Trials Register", None),
    ("DRKS", "DRKS", "https://drks.de/search/en/trial/{id}"),
    ("CRD", "PROSPERO", "https://www.crd.york.ac.uk/prospero/display_record.php?ID={id}"),
    (
        "UMIN",
        "UMIN-CTR (via WHO ICTRP)",
        "https://trialsearch.who.int/Trial2.aspx?TrialID=JPRN-{id}",
    ),
    ("jRCT", "jRCT", "https://jrct.niph.go.jp/en-latest-detail/{id}"),
)
_EUCTR = "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}"


def registry_link(registry_id: str) -> tuple[str, str]:
    """The registry's name and an https link to the record, from a canonical id."""
    for prefix, name, url in _REGISTRY_PAGES:
        if registry_id.startswith(prefix):
            if url is None:  # EudraCT: the register searches by the bare number
                return name, _EUCTR.format(id=quote(registry_id[len(prefix) :], safe=""))
            return name, url.format(id=quote(registry_id, safe=""))
    return "WHO ICTRP", ICTRP.format(id=quote(registry_id, safe=""))


# PubMed's reference types as a reviewer reads them.
NOTICE_NAMES = {
    "ErratumIn": "Erratum",
    "ErratumFor": "Erratum for",
    "CommentIn": "Comment",
    "CommentOn": "Comment on",
    "UpdateIn": "Update",
    "UpdateOf": "Update of",
    "RetractionIn": "Retraction notice",
    "RetractionOf": "Retraction of",
    "ExpressionOfConcernIn": "Expression of concern",
    "ExpressionOfConcernFor": "Expression of concern for",
}


def notice_links(article: Article) -> list[tuple[str, str, str]]:
    """(kind, PMID, PubMed link) per linked erratum, comment, update, retraction or concern;
    a link without a usable PMID is left out."""
    return [
        (NOTICE_NAMES.get(c.type, c.type), c.pmid, f"https://pubmed.ncbi.nlm.nih.gov/{c.pmid}/")
        for c in article.comments_corrections
        if c.pmid and c.pmid.isdigit()
    ]


def grants_table(article: Article) -> pd.DataFrame:
    """The record's grants: agency, country and grant id, a dash where PubMed has none."""
    return pd.DataFrame(
        {
            "Agency": [g.agency or "—" for g in article.grants],
            "Country": [g.country or "—" for g in article.grants],
            "Grant": [g.id or "—" for g in article.grants],
        }
    )


# --- the appraisal robots' answers (labels.appraisal), each with its sentence ----------------

BIAS_HINT_LABEL = "hint for the reviewer"


def effects_table(appraisal: Appraisal) -> pd.DataFrame:
    """The effects exactly as the abstract states them, with the sentence each came from."""
    return pd.DataFrame(
        {
            "Measure": [display(e.measure) for e in appraisal.effects],
            "Outcome": [e.outcome or "—" for e in appraisal.effects],
            "Stated": [stated_effect(e, "95% CI") or "—" for e in appraisal.effects],
            "Sentence": [e.sentence for e in appraisal.effects],
        }
    )


def stated_effect(effect: Effect, ci_label: str = "CI") -> str:
    """An effect as the abstract states it: estimate, interval and p, or the per-arm values."""
    parts = []
    if effect.estimate is not None:
        parts.append(f"{effect.estimate:g}")
    if effect.arm_values is not None:
        parts.append(
            " vs ".join(f"{v:g}%" if isinstance(v, float) else v for v in effect.arm_values)
        )
    if effect.ci is not None:
        parts.append(f"{ci_label} {effect.ci[0]:g} to {effect.ci[1]:g}")
    if effect.p:
        parts.append(f"p {effect.p}")
    return "; ".join(parts)


def bias_table(appraisal: Appraisal) -> pd.DataFrame:
    """Each risk-of-bias domain's level, marked as a hint read from the abstract only."""
    return pd.DataFrame(
        {
            "Domain": [display(h.domain) for h in appraisal.bias_hints],
            "Hint": [f"{h.level} ({BIAS_HINT_LABEL})" for h in appraisal.bias_hints],
            "Why": [h.reason for h in appraisal.bias_hints],
            "Sentence": [h.sentence or "not stated in the abstract" for h in appraisal.bias_hints],
        }
    )
