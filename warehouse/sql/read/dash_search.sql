-- The PMIDs whose title or abstract holds every search term anywhere, ignoring case: up to
-- four terms, each a regular expression escaped to match literally (null = no term), as the
-- scan this replaces took them; answered from the snapshot's index (warehouse/search_index.py).
-- A word of letters, digits, marks, '_', '\'' and '-' lies within one token of the text, any
-- other word within one white-space chunk holding punctuation: the tokens (term_id > 0) or
-- chunks (term_id < 0) containing it name its studies exactly, and a study holds every word
-- when its postings cover every word's bit. The studies with corrections the dashboard holds
-- but the snapshot does not (the index was built without them) are checked against their text
-- instead; MATERIALIZED keeps that check from being pushed down into a scan of every abstract.
WITH words AS (
    SELECT
        n,
        word,
        NOT regexp_matches(word, '[^\pL\pN\pM_''-]') AS is_token
    FROM (
        SELECT n, lower(regexp_replace(pattern, '\\(.)', '\1', 'g')) AS word
        FROM (VALUES (1, $t1::VARCHAR), (2, $t2::VARCHAR), (3, $t3::VARCHAR), (4, $t4::VARCHAR))
            AS t(n, pattern)
        WHERE pattern IS NOT NULL
    )
),

entries AS (
    SELECT w.n, v.term_id
    FROM words AS w, marts.dash_search_vocab AS v
    WHERE contains(v.term, w.word) AND (v.term_id > 0) = w.is_token
),

found AS (
    SELECT p.doc
    FROM marts.dash_search_postings AS p
    INNER JOIN entries AS e USING (term_id)
    GROUP BY p.doc
    HAVING bit_or(1 << (e.n - 1)) = (SELECT bit_or(1 << (n - 1)) FROM words)
),

texts AS MATERIALIZED (
    SELECT title, abstract, pmid
    FROM marts.dash_search_article_text
    WHERE pmid IN (SELECT pmid FROM marts.dash_pending_corrections)
),

checked AS (
    SELECT pmid
    FROM texts
    WHERE ($t1::VARCHAR IS NULL OR regexp_matches(title, $t1, 'i')
            OR regexp_matches(abstract, $t1, 'i'))
        AND ($t2::VARCHAR IS NULL OR regexp_matches(title, $t2, 'i')
            OR regexp_matches(abstract, $t2, 'i'))
        AND ($t3::VARCHAR IS NULL OR regexp_matches(title, $t3, 'i')
            OR regexp_matches(abstract, $t3, 'i'))
        AND ($t4::VARCHAR IS NULL OR regexp_matches(title, $t4, 'i')
            OR regexp_matches(abstract, $t4, 'i'))
),

final AS (
    SELECT d.pmid
    FROM marts.dash_search_docs AS d
    INNER JOIN found AS f USING (doc)
    WHERE d.pmid NOT IN (SELECT pmid FROM texts)
    UNION ALL
    SELECT pmid FROM checked
)

SELECT pmid FROM final;
