"""Reviewers' corrections of labels: checked against the label guide, given an id and a time.

A correction that keeps the value is a reviewer's confirmation of the label. Corrections are
stored through the warehouse's inbox (``warehouse.inbox``) and win over the model's labels;
the next training run learns from them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from core.article import CONDITIONS, DESIGNS, DRUGS, FINDINGS, LABEL_FIELDS, OUTCOMES, ROUTES
from warehouse.inbox import new_inbox_id

MAX_REASON = 2000
MAX_KEY_FINDING = 2000

# The labels a reviewer may correct, and the shape of each one's value.
LIST_FIELDS = {"conditions": CONDITIONS, "outcomes": OUTCOMES, "routes": ROUTES}
CHOICE_FIELDS = {"finding": FINDINGS, "design": DESIGNS, "drug": DRUGS}
CORRECTABLE_FIELDS = (*LABEL_FIELDS, "key_finding")


@dataclass(frozen=True)
class Correction:
    """One reviewer's correction of one label, as stored (values are JSON text)."""

    correction_id: int
    pmid: str
    field: str
    old_value: str | None
    new_value: str
    reviewer: str
    reason: str
    corrected_at: datetime

    def row(self) -> dict[str, Any]:
        return asdict(self)


def parse_value(field: str, value: Any) -> Any:
    """Check a new label value against TAXONOMY.md and return it in the label's own shape.

    Lists keep the taxonomy's order, with duplicates dropped; sample_size and key_finding may
    be None (the reviewer says the abstract gives none).
    """
    if field in LIST_FIELDS:
        chosen = [value] if isinstance(value, str) else list(value or ())
        unknown = sorted(set(chosen) - set(LIST_FIELDS[field]))
        if unknown:
            raise ValueError(f"{field}: unknown value(s) {', '.join(unknown)}")
        return [v for v in LIST_FIELDS[field] if v in chosen]
    if field in CHOICE_FIELDS:
        if value not in CHOICE_FIELDS[field]:
            raise ValueError(f"{field}: choose one of {', '.join(CHOICE_FIELDS[field])}")
        return value
    if field == "sample_size":
        return _sample_size(value)
    if field == "key_finding":
        text = " ".join(str(value or "").split())
        if len(text) > MAX_KEY_FINDING:
            raise ValueError(f"key_finding: at most {MAX_KEY_FINDING} characters")
        return text or None
    raise ValueError(f"{field!r} is not a correctable label")


def _sample_size(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        raise ValueError("sample_size: a whole number of participants, or empty") from None
    if number < 0:
        raise ValueError("sample_size: cannot be negative")
    return number


def new_correction(
    *,
    pmid: str,
    field: str,
    value: Any,
    current: Any,
    reviewer: str,
    reason: str,
    now: datetime | None = None,
) -> Correction:
    """Validate a reviewer's correction and give it its id and time (naive UTC)."""
    if field not in CORRECTABLE_FIELDS:
        raise ValueError(f"{field!r} is not a correctable label")
    reviewer, reason = reviewer.strip(), " ".join(reason.split())
    if not reviewer:
        raise ValueError("a correction needs a reviewer")
    if not reason:
        raise ValueError("say why: a correction needs a reason")
    if len(reason) > MAX_REASON:
        raise ValueError(f"the reason is limited to {MAX_REASON} characters")
    new = parse_value(field, value)
    old = _plain(current)  # the same value again is a reviewer's confirmation of the label
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return Correction(
        correction_id=new_inbox_id(now),
        pmid=pmid,
        field=field,
        old_value=json.dumps(old),
        new_value=json.dumps(new),
        reviewer=reviewer,
        reason=reason,
        corrected_at=now,
    )


def _plain(value: Any) -> Any:
    """A label value as JSON would hold it (tuples and arrays as lists)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return list(value)
