"""A small evaluator of PubMed query syntax, so the local E-utilities stand-in can answer
``esearch`` over real records the way PubMed would, closely enough for tests and the demo.

Supported: ``AND`` / ``OR`` / ``NOT`` (upper case, as PubMed wants them), evaluated strictly
left to right as PubMed does (``a OR b AND c`` is ``(a OR b) AND c``); parentheses; quoted
phrases; adjacent terms without an operator are ANDed; trailing ``*`` truncation; the field
tags ``[mh] [majr] [tiab] [ti] [ab] [pt] [la] [all]`` and their long names; no tag means all
fields. Matching is case-insensitive; text words match on word boundaries, and punctuation
counts as a word break (so ``"s-ketamine"`` matches "S ketamine" as PubMed's tokenizer does).
Unquoted words directly followed by a tag form one phrase (``depressive disorder[mh]``).

Approximations, documented because the stand-in is not PubMed:
- ``[mh]`` explosion has no MeSH tree here: a heading matches when it equals the term or
  starts with the term and a comma (``"stress disorders"[mh]`` finds "Stress Disorders,
  Post-Traumatic"). Real explosion also reaches children with unrelated names, and ``[pt]``
  is exploded the same way.
- No automatic term mapping: an untagged term is searched as text in every field (title,
  abstract, MeSH, publication types, keywords, journal, authors) and as an exploded heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.article import Article

Predicate = Callable[["SearchDocument"], bool]

FIELDS = {
    "mh": "mh",
    "mesh": "mh",
    "mesh terms": "mh",
    "majr": "majr",
    "mesh major topic": "majr",
    "tiab": "tiab",
    "title/abstract": "tiab",
    "ti": "ti",
    "title": "ti",
    "ab": "ab",
    "abstract": "ab",
    "pt": "pt",
    "publication type": "pt",
    "la": "la",
    "language": "la",
    "all": "all",
    "all fields": "all",
}
OPERATORS = frozenset({"AND", "OR", "NOT"})
# PubMed's three-letter language codes and the names [la] also accepts.
LANGUAGES = {
    "eng": "english", "fre": "french", "ger": "german", "spa": "spanish", "ita": "italian",
    "jpn": "japanese", "chi": "chinese", "rus": "russian", "por": "portuguese",
    "pol": "polish", "dut": "dutch", "swe": "swedish", "dan": "danish", "nor": "norwegian",
    "cze": "czech", "hun": "hungarian", "kor": "korean", "tur": "turkish", "fin": "finnish",
    "heb": "hebrew", "gre": "greek", "per": "persian", "ara": "arabic",
}  # fmt: skip

_TOKEN = re.compile(
    r"""\s*(?:(?P<lp>\()|(?P<rp>\))|"(?P<phrase>[^"]*)"|\[(?P<tag>[^\]\[]*)\]|(?P<word>[^\s()"\[\]]+))"""
)
_NON_WORD = re.compile(r"[\W_]+")
_SEPARATOR = " | "  # never inside a token, so a phrase cannot match across two fields


class QuerySyntaxError(ValueError):
    """The term is not a query this evaluator (or PubMed) can read."""


def words(text: str) -> str:
    """Lower-case ``text`` and reduce it to single-space separated word tokens."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _padded(parts: Iterable[str | None]) -> str:
    return " " + _SEPARATOR.join(words(p) for p in parts if p) + " "


def _lines(headings: Iterable[str]) -> str:
    return "\n" + "".join(_fold(h) + "\n" for h in headings)


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """An article's searchable fields, normalised once so many queries can test it cheaply."""

    title: str
    abstract: str
    everything: str  # title, abstract and every other text field, kept apart by separators
    mesh: str  # folded headings, one per line: "\nhumans\nketamine\n"
    mesh_major: str
    publication_types: str
    languages: frozenset[str]

    @classmethod
    def from_article(cls, article: Article) -> SearchDocument:
        """Normalise the fields the supported tags search."""
        lang = _fold(article.language or "")
        other = (*article.mesh, *article.publication_types, *article.keywords, *article.authors)
        return cls(
            title=_padded([article.title]),
            abstract=_padded([article.abstract]),
            everything=_padded(
                [article.title, article.abstract, *other, article.journal, article.journal_abbrev]
            ),
            mesh=_lines(article.mesh),
            mesh_major=_lines(article.mesh_major),
            publication_types=_lines(article.publication_types),
            languages=frozenset(x for x in (lang, LANGUAGES.get(lang)) if x),
        )


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled query: call it on an Article, or ``matches`` a prepared SearchDocument."""

    term: str
    predicate: Predicate

    def __call__(self, article: Article) -> bool:
        return self.predicate(SearchDocument.from_article(article))

    def matches(self, document: SearchDocument) -> bool:
        """Whether the prepared document satisfies the query."""
        return self.predicate(document)


def compile_query(term: str) -> Query:
    """Parse ``term`` once into a predicate; raise QuerySyntaxError if it is malformed."""
    tokens = _tokenize(term)
    if not tokens:
        raise QuerySyntaxError("empty query")
    parser = _Parser(tokens)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QuerySyntaxError(f"unexpected {parser.peek()[1]!r} in {term!r}")  # type: ignore[index]
    return Query(term=term, predicate=predicate)


def _tokenize(term: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(term):
        if not term[pos:].strip():
            break
        match = _TOKEN.match(term, pos)
        if match is None:
            raise QuerySyntaxError(f"unbalanced quote or bracket at {pos} in {term!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value in OPERATORS:
            kind = "op"
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; operators bind left to right with equal weight."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("query ends where a term was expected")
        self.pos += 1
        return token

    def expression(self) -> Predicate:
        """Fold operands left to right; a run of one operator becomes one any()/all()."""
        run, run_op = [self.operand()], "AND"
        while (token := self.peek()) is not None and token[0] != "rp":
            op = self.take()[1] if token[0] == "op" else "AND"
            if op != run_op and len(run) > 1:
                run = [_combine(run_op, run)]
            run_op = op
            run.append(self.operand())
        return _combine(run_op, run) if len(run) > 1 else run[0]

    def operand(self) -> Predicate:
        kind, value = self.take()
        if kind == "lp":
            inner = self.expression()
            if self.peek() != ("rp", ")"):
                raise QuerySyntaxError("unbalanced parenthesis: '(' is never closed")
            self.take()
            return inner
        if kind == "phrase":
            return _leaf(value, self.tag())
        if kind == "word":
            return self.words(value)
        raise QuerySyntaxError(f"expected a term, found {value!r}")

    def words(self, first: str) -> Predicate:
        run = [first]
        while (token := self.peek()) is not None and token[0] == "word":
            run.append(self.take()[1])
        if (token := self.peek()) is not None and token[0] == "tag":
            return _leaf(" ".join(run), self.tag())
        leaves = [_leaf(word, "all") for word in run]
        return leaves[0] if len(leaves) == 1 else _combine("AND", leaves)

    def tag(self) -> str:
        token = self.peek()
        if token is None or token[0] != "tag":
            return "all"
        self.take()
        field = FIELDS.get(_fold(token[1]))
        if field is None:
            raise QuerySyntaxError(f"unsupported field tag [{token[1]}]")
        return field


def _combine(op: str, parts: list[Predicate]) -> Predicate:
    if op == "OR":
        return lambda d: any(p(d) for p in parts)
    if op == "AND":
        return lambda d: all(p(d) for p in parts)
    first, rest = parts[0], parts[1:]  # a NOT b NOT c is a AND NOT (b OR c)
    return lambda d: first(d) and not any(p(d) for p in rest)


def _leaf(text: str, field: str) -> Predicate:
    """Build the test for one (possibly truncated) word or phrase in one field."""
    truncated = text.rstrip().endswith("*")
    core = text.rstrip().rstrip("*")
    if "*" in core:
        raise QuerySyntaxError(f"'*' truncation is only allowed at the end: {text!r}")
    tokens, heading = words(core), _fold(core)
    if not tokens:
        raise QuerySyntaxError(f"no searchable word in {text!r}")
    needle = " " + tokens + ("" if truncated else " ")

    # Headings are whole lines: the term itself, a "term, ..." child, or any "term*" prefix.
    exact, child = f"\n{heading}\n", f"\n{heading}" + ("" if truncated else ",")

    def in_headings(headings: str) -> bool:
        return child in headings or exact in headings

    tests: dict[str, Predicate] = {
        "mh": lambda d: in_headings(d.mesh),
        "majr": lambda d: in_headings(d.mesh_major),
        "pt": lambda d: in_headings(d.publication_types),
        "la": lambda d: heading in d.languages,
        "ti": lambda d: needle in d.title,
        "ab": lambda d: needle in d.abstract,
        "tiab": lambda d: needle in d.title or needle in d.abstract,
        "all": lambda d: needle in d.everything or in_headings(d.mesh),
    }
    return tests[field]
