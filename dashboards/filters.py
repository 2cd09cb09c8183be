"""The filters the evidence map, trends and studies pages share, and their URL form.

Filters travel in the query string, so a map cell links to the studies behind it and any
filtered view can be bookmarked or sent; unknown or malformed values are dropped, never
passed on to SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from core.article import CONDITIONS, DESIGNS, FINDINGS, OUTCOMES, ROUTES
from dashboards.taxonomy import ON_TOPIC_DRUGS, design_rank

SORTS = ("newest", "oldest", "design", "size")
MAX_TERMS = 4  # dash_search.sql binds up to four


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the evidence to; None or empty means any."""

    year_from: int | None = None
    year_to: int | None = None
    drugs: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    min_design: str | None = None  # this design or a stronger one
    condition: str | None = None
    outcome: str | None = None
    finding: str | None = None
    text: str = ""

    def map_params(self) -> dict[str, Any]:
        """The bound parameters of dash_map.sql and dash_trends.sql."""
        return {
            "year_from": self.year_from,
            "year_to": self.year_to,
            "drugs": list(self.drugs) or None,
            "routes": list(self.routes) or None,
            "max_rank": design_rank(self.min_design) if self.min_design else None,
        }

    def studies_params(
        self,
        *,
        pmids: list[str] | None = None,
        sort: str = "newest",
        limit: int = 500,
        labelled_only: bool = True,
    ) -> dict[str, Any]:
        """The bound parameters of dash_studies.sql: pmids are what a text search found."""
        return {
            **self.map_params(),
            "condition": self.condition,
            "outcome": self.outcome,
            "finding": self.finding,
            "pmids": pmids,
            "sort": sort if sort in SORTS else "newest",
            "limit": limit,
            "labelled_only": labelled_only,
        }

    def count_params(self, *, pmids: list[str] | None, labelled_only: bool) -> dict[str, Any]:
        """The bound parameters of dash_studies_count.sql."""
        params = self.studies_params(pmids=pmids, labelled_only=labelled_only)
        return {k: v for k, v in params.items() if k not in ("sort", "limit")}

    def to_query(self) -> dict[str, str]:
        """The filters as query-string parameters (lists comma-separated), unset ones left out."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = ",".join(value)
            if value not in (None, ""):
                out[f.name] = str(value)
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Filters:
        """Read filters from query-string parameters, keeping only valid values."""

        def text(name: str) -> str:
            value = query.get(name, "")
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            return str(value).strip()

        return cls(
            year_from=_year(text("year_from")),
            year_to=_year(text("year_to")),
            drugs=_subset(text("drugs"), ON_TOPIC_DRUGS),
            routes=_subset(text("routes"), ROUTES),
            min_design=_one(text("min_design"), DESIGNS),
            condition=_one(text("condition"), CONDITIONS),
            outcome=_one(text("outcome"), OUTCOMES),
            finding=_one(text("finding"), FINDINGS),
            text=text("text")[:200],
        )

    def for_cell(self, condition: str, outcome: str) -> Filters:
        """These filters narrowed to one evidence-map cell (the studies behind it)."""
        return replace(self, condition=condition, outcome=outcome)

    def map_only(self) -> Filters:
        """Only the filters the map and trends apply (no cell, finding or text)."""
        return Filters(self.year_from, self.year_to, self.drugs, self.routes, self.min_design)


def search_terms(text: str) -> list[str] | None:
    """Lower-case words that must all occur in a study's title or abstract; None for any."""
    terms = list(dict.fromkeys(word.lower() for word in text.split() if word.strip()))
    return terms[:MAX_TERMS] or None


def search_params(text: str) -> dict[str, str | None] | None:
    """The bound parameters of dash_search.sql (each word escaped to match literally)."""
    terms = search_terms(text)
    if terms is None:
        return None
    patterns = [re.escape(term) for term in terms] + [None] * (MAX_TERMS - len(terms))
    return {f"t{n}": pattern for n, pattern in enumerate(patterns, start=1)}


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and 1800 <= int(text) <= 2200 else None


def _one(text: str, allowed: tuple[str, ...]) -> str | None:
    return text if text in allowed else None


def _subset(text: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = {part.strip() for part in text.split(",")}
    return tuple(value for value in allowed if value in chosen)
