"""Citations for writers: AMA style (AMA Manual of Style, 11th ed., §3), pure functions.

Export formats (RIS, BibTeX, CSL-JSON) will build on the same record fields.
"""

from __future__ import annotations

from pipelines.article import Article

MAX_LISTED_AUTHORS = 6  # AMA: list up to 6 authors; past 6, the first 3 and "et al."
AUTHORS_BEFORE_ET_AL = 3


def format_ama(article: Article) -> str:
    """The article as an AMA reference, ending with its DOI and PMID.

    "Author AA, Author BB. Title. Journal Abbrev. Year;Vol(Issue):Pages. doi:… PMID: …";
    missing parts are left out with their punctuation.
    """
    parts = [
        _authors(article.authors),
        _sentence(article.title),
        _sentence(article.journal_abbrev or article.journal),
        _sentence(_locator(article)),
        f"doi:{article.doi}." if article.doi else "",
        f"PMID: {article.pmid}",
    ]
    return " ".join(part for part in parts if part)


def _authors(authors: tuple[str, ...]) -> str:
    if not authors:
        return ""
    if len(authors) > MAX_LISTED_AUTHORS:
        return ", ".join(authors[:AUTHORS_BEFORE_ET_AL]) + ", et al."
    return _sentence(", ".join(authors))


def _locator(article: Article) -> str:
    """Year;Volume(Issue):Pages, with whatever of it PubMed gave."""
    text = str(article.year) if article.year else ""
    if article.volume:
        text += f";{article.volume}"
    if article.issue:
        text += f"({article.issue})"
    if article.pages:
        text += f":{article.pages}"
    return text.lstrip(";")


def _sentence(text: str | None) -> str:
    """Text ending in one full stop (titles ending in ? or ! keep theirs)."""
    text = (text or "").strip()
    if not text:
        return ""
    return text if text[-1] in ".?!" else f"{text}."
