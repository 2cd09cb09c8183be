"""The stand-in's PubMed query evaluator: operators, tags, phrases, truncation, errors."""

from __future__ import annotations

from functools import cache

import pytest
from standin_fixtures import KETAMINE_XML

from core.article import Article
from pubmed.parser import parse_bytes
from pubmed.query import QuerySyntaxError, SearchDocument, compile_query
from pubmed.topics import load_topics

PTSD = Article(
    pmid="1",
    title="Esketamine for post-traumatic stress: a randomised trial",
    abstract="Ketamine infusion reduced PTSD symptoms in veterans.",
    journal="Journal of Affective Disorders",
    authors=("Smith J",),
    mesh=("Humans", "Stress Disorders, Post-Traumatic", "Ketamine"),
    mesh_major=("Stress Disorders, Post-Traumatic",),
    publication_types=("Journal Article", "Clinical Trial, Phase II"),
    keywords=("NMDA antagonist",),
    language="eng",
)
PAIN = Article(
    pmid="2",
    title="Anaesthesia in horses",
    abstract="Xylazine and ketamine for field anaesthesia; chronic pain was not studied.",
    journal="Equine Vet J",
    mesh=("Animals", "Horses", "Anesthesia"),
    mesh_major=("Anesthesia",),
    publication_types=("Journal Article",),
    language="fre",
)


def hits(term: str, *articles: Article) -> set[str]:
    query = compile_query(term)
    return {a.pmid for a in (articles or (PTSD, PAIN)) if query(a)}


@cache
def ketamine_articles() -> tuple[Article, ...]:
    return tuple(r for r in parse_bytes(KETAMINE_XML.read_bytes()) if isinstance(r, Article))


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ketamine", {"1", "2"}),
        ("KETAMINE[tiab]", {"1", "2"}),
        ("esketamine", {"1"}),
        ("ketamin", set()),  # whole words only
        ("ketamin*", {"1", "2"}),
        ("esket*[ti]", {"1"}),
        ('"post traumatic stress"[tiab]', {"1"}),  # hyphens are word breaks
        ('"traumatic post"[tiab]', set()),
        ("ptsd[ti]", set()),
        ("ptsd[ab]", {"1"}),
        ("chronic pain[tiab]", {"2"}),  # unquoted words before a tag are one phrase
        ("chronic pain", {"2"}),
        ("pain chronic", {"2"}),  # ...but without a tag they are ANDed
        ("pain chronic[tiab]", set()),
        ("stress disorders, post-traumatic[mh]", {"1"}),
        ('"stress disorders"[mh]', {"1"}),  # approximate explosion to "X, ..." children
        ("stress[mh]", set()),
        ("anesthesia[majr]", {"2"}),
        ("humans[majr]", set()),
        ("anesth*[mh]", {"2"}),
        ('"clinical trial"[pt]', {"1"}),
        ("journal article[pt]", {"1", "2"}),
        ("eng[la]", {"1"}),
        ("french[la]", {"2"}),
        ("nmda", {"1"}),  # keywords are searched by all fields
        ("equine", {"2"}),  # so is the journal
        ("horses[all]", {"2"}),
    ],
)
def test_tags_phrases_and_truncation(term: str, expected: set[str]) -> None:
    assert hits(term) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("esketamine OR xylazine", {"1", "2"}),
        ("ketamine AND xylazine", {"2"}),
        ("ketamine NOT xylazine", {"1"}),
        ("ketamine xylazine", {"2"}),
        # PubMed reads strictly left to right: (xylazine OR esketamine) AND veterans.
        ("xylazine OR esketamine AND veterans", {"1"}),
        ("xylazine OR (esketamine AND veterans)", {"1", "2"}),
        ("veterans AND esketamine OR xylazine", {"1", "2"}),
        ("ketamine NOT (humans[mh] OR horses[mh])", set()),
        ("((ketamine))", {"1", "2"}),
    ],
)
def test_boolean_operators_are_left_to_right_with_parentheses(
    term: str, expected: set[str]
) -> None:
    assert hits(term) == expected


@pytest.mark.parametrize(
    "term",
    [
        "",
        "   ",
        "(ketamine",
        "ketamine)",
        "ketamine AND",
        "AND ketamine",
        "ketamine OR OR pain",
        "()",
        '"ketamine',
        "ketamine[tiab",
        "ketamine[nonsense]",
        "ke*tamine",
        "[mh]",
        '""[tiab]',
        "*",
    ],
)
def test_malformed_terms_raise(term: str) -> None:
    with pytest.raises(QuerySyntaxError):
        compile_query(term)


def test_document_and_article_give_the_same_answer() -> None:
    query = compile_query("(ketamine[mh] OR esketamine[tiab]) AND depress*[tiab]")
    for article in ketamine_articles():
        assert query(article) == query.matches(SearchDocument.from_article(article))


def test_every_topic_query_compiles_and_the_ketamine_clause_finds_the_bundled_records() -> None:
    articles = ketamine_articles()
    topics = load_topics()
    ketamine = compile_query(topics.queries["depression"].split(" AND ", 1)[0])
    found = [a.pmid for a in articles if ketamine(a)]
    assert len(found) >= 0.95 * len(articles)
    counts = {
        name: sum(compile_query(term)(a) for a in articles) for name, term in topics.queries.items()
    }
    assert set(counts) == {"depression", "anxiety", "ptsd", "chronic_pain"}
    assert all(0 < n < len(articles) for n in counts.values()), counts


def test_mesh_tag_matches_the_descriptors_of_real_records() -> None:
    articles = ketamine_articles()
    with_ketamine_heading = {a.pmid for a in articles if "Ketamine" in a.mesh}
    assert with_ketamine_heading
    assert {a.pmid for a in articles if compile_query("ketamine[mh]")(a)} == with_ketamine_heading
