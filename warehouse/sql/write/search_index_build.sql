-- Rebuild the text search index of a snapshot from marts.dash_search_text (no pending
-- corrections are handed to the publisher, so it holds the studies listed by their stored or
-- merged labels). Tokens: the lower-cased title and abstract split on every character but
-- letters, digits, marks, '_', '\'' and '-' (warehouse/search_index.py says why).
DELETE FROM search_postings;
DELETE FROM search_vocab;
DELETE FROM search_docs;

CREATE TEMP TABLE search_doc_terms AS
SELECT
    CAST(row_number() OVER () AS INTEGER) AS doc,
    pmid,
    list_distinct(
        string_split_regex(lower(title || ' ' || abstract), '[^\pL\pN\pM_''-]+')
    ) AS terms
FROM marts.dash_search_text;

INSERT INTO search_docs SELECT doc, pmid FROM search_doc_terms ORDER BY doc;

CREATE TEMP TABLE search_doc_term AS
SELECT doc, unnest(terms) AS term FROM search_doc_terms;

DROP TABLE search_doc_terms;

INSERT INTO search_vocab
SELECT CAST(row_number() OVER (ORDER BY term) AS INTEGER) AS term_id, term
FROM (SELECT DISTINCT term FROM search_doc_term WHERE term <> '')
ORDER BY term;

INSERT INTO search_postings
SELECT v.term_id, t.doc
FROM search_doc_term AS t
INNER JOIN search_vocab AS v USING (term)
ORDER BY v.term_id, t.doc;

DROP TABLE search_doc_term;
