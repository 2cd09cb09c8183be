-- Rebuild the text search index of a snapshot from marts.dash_search_text (no pending
-- corrections are handed to the publisher, so it holds the studies listed by their stored or
-- merged labels). The vocabulary has two kinds of entry (warehouse/search_index.py says why):
-- tokens, term_id > 0: the lower-cased title and abstract split on every character but
-- letters, digits, marks, '_', '\'' and '-'; and chunks, term_id < 0: the same text split on
-- ASCII white space, kept only if they hold a character a token cannot ("(iv)", "p<0.05,").
DELETE FROM search_postings;
DELETE FROM search_vocab;
DELETE FROM search_docs;

CREATE TEMP TABLE search_doc_terms AS
SELECT
    CAST(row_number() OVER () AS INTEGER) AS doc,
    pmid,
    list_distinct(string_split_regex(text, '[^\pL\pN\pM_''-]+')) AS tokens,
    list_distinct(list_filter(
        string_split_regex(text, '[ \t\n\r\f\v]+'),
        lambda c: regexp_matches(c, '[^\pL\pN\pM_''-]')
    )) AS chunks
FROM (SELECT pmid, lower(title || ' ' || abstract) AS text FROM marts.dash_search_text);

INSERT INTO search_docs SELECT doc, pmid FROM search_doc_terms ORDER BY doc;

CREATE TEMP TABLE search_doc_term AS
SELECT doc, unnest(tokens) AS term, true AS is_token FROM search_doc_terms
UNION ALL
SELECT doc, unnest(chunks) AS term, false AS is_token FROM search_doc_terms;

DROP TABLE search_doc_terms;

-- A chunk holds a character no token holds, so no string is both; the sign tells them apart.
INSERT INTO search_vocab
SELECT
    CAST(
        CASE WHEN is_token THEN 1 ELSE -1 END
        * row_number() OVER (PARTITION BY is_token ORDER BY term) AS INTEGER
    ) AS term_id,
    term
FROM (SELECT DISTINCT term, is_token FROM search_doc_term WHERE term <> '')
ORDER BY term_id;

INSERT INTO search_postings
SELECT v.term_id, t.doc
FROM search_doc_term AS t
INNER JOIN search_vocab AS v USING (term)
ORDER BY v.term_id, t.doc;

DROP TABLE search_doc_term;
