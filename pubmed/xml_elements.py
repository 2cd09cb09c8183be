"""The element primitives every PubMed reader shares: a one-pass child index and flat text.

Pure functions over lxml elements; ``pubmed.parser`` builds the record from them, and
``pubmed.xml_citation`` and ``pubmed.xml_fields`` read its parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lxml import etree

Group = dict[str, list[etree._Element]]
_NONE: Sequence[Any] = (None,)
_ASCII_WS = re.compile(r"[ \t\n\r]+")


def group(el: etree._Element | None) -> Group:
    """Index an element's children by tag in one pass: ~10x cheaper than repeated find()."""
    out: Group = {}
    if el is not None:
        for child in el:
            tag = child.tag
            if tag in out:
                out[tag].append(child)
            else:
                out[tag] = [child]
    return out


def first(found: Mapping[str, Sequence[etree._Element]], tag: str) -> etree._Element | None:
    """The first child with this tag, or None."""
    return found.get(tag, _NONE)[0]


def kids(el: etree._Element | None, tag: str) -> list[etree._Element]:
    """The children with this tag (for an element not worth indexing whole)."""
    return [] if el is None else [c for c in el if c.tag == tag]


def text(el: etree._Element | None) -> str | None:
    """Flatten inline markup (i, sup, MathML) to text; collapse ASCII whitespace runs.

    Thin and no-break spaces (as in 'n\u2009=\u200930') are kept: training data keeps them.
    """
    if el is None:
        return None
    return clean(el.text if len(el) == 0 else "".join(el.itertext()))


def clean(raw: str | None) -> str | None:
    """Collapse ASCII whitespace runs and trim; None for nothing left."""
    if not raw:
        return None
    # most texts need no change, and these checks are cheaper than a regex; XML text has no
    # ASCII whitespace but these four
    if raw[0] == " " or raw[-1] == " " or "  " in raw or "\n" in raw or "\t" in raw or "\r" in raw:
        raw = _ASCII_WS.sub(" ", raw).strip(" ")
    return raw or None


def texts(elements: Iterable[etree._Element]) -> tuple[str, ...]:
    """The non-empty texts of these elements, in order."""
    return tuple(t for t in map(text, elements) if t)
