"""Records for the sample-size tests: an abstract under a plain title.

Imported explicitly (``from sample_records import art``).
"""

from __future__ import annotations

from core.article import Article


def art(abstract: str, title: str = "A study") -> Article:
    return Article(pmid="0", title=title, abstract=abstract)
