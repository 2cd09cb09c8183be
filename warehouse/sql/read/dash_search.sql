-- The PMIDs whose title or abstract holds every search term anywhere, ignoring case: up to
-- four terms, each a regular expression escaped to match literally (null = no term), as the
-- scan this replaces took them; answered from the snapshot's index (warehouse/search_index.py).
-- A word (the pattern unescaped) of letters, digits, '_', '\'' and '-' lies within one token of
-- the text, so the tokens containing it name its studies exactly. A word with other characters
-- is looked up by one of its pieces (one the text must show as a whole token, or as a token's
-- start or end, if it has one; else the longest) and those studies are checked against the
-- text with its pattern, as are the studies with corrections the dashboard holds but the
-- snapshot does not (the index was built without them). MATERIALIZED keeps the check from
-- being pushed down into a scan of every abstract.
WITH words AS (
    SELECT
        n,
        word,
        list_filter(string_split_regex(word, '[^\pL\pN\pM_''-]+'), lambda p: p <> '') AS pieces
    FROM (
        SELECT n, lower(regexp_replace(pattern, '\\(.)', '\1', 'g')) AS word
        FROM (VALUES (1, $t1::VARCHAR), (2, $t2::VARCHAR), (3, $t3::VARCHAR), (4, $t4::VARCHAR))
            AS t(n, pattern)
        WHERE pattern IS NOT NULL
    )
),

keys AS (
    SELECT
        coalesce(bool_and(len(pieces) = 1 AND pieces[1] = word), true) AS exact,
        list(key ORDER BY n) FILTER (WHERE key IS NOT NULL) AS k
    FROM (
        SELECT
            n,
            word,
            pieces,
            CASE WHEN len(pieces) > 0 THEN list_reduce(
                list_transform(pieces, lambda p, i: {
                    'piece': p,
                    'head': i > 1 OR NOT starts_with(word, p),
                    'tail': i < len(pieces) OR NOT ends_with(word, p)
                }),
                lambda a, b: CASE
                    WHEN (b.head::INT + b.tail::INT) * 1000 + length(b.piece)
                        > (a.head::INT + a.tail::INT) * 1000 + length(a.piece)
                    THEN b ELSE a
                END
            ) END AS key
        FROM words
    )
),

k1 AS (
    SELECT v.term_id
    FROM marts.dash_search_vocab AS v, (SELECT k[1] AS key FROM keys) AS k
    WHERE contains(v.term, k.key.piece)
        AND (NOT k.key.head OR starts_with(v.term, k.key.piece))
        AND (NOT k.key.tail OR ends_with(v.term, k.key.piece))
),

k2 AS (
    SELECT v.term_id
    FROM marts.dash_search_vocab AS v, (SELECT k[2] AS key FROM keys) AS k
    WHERE contains(v.term, k.key.piece)
        AND (NOT k.key.head OR starts_with(v.term, k.key.piece))
        AND (NOT k.key.tail OR ends_with(v.term, k.key.piece))
),

k3 AS (
    SELECT v.term_id
    FROM marts.dash_search_vocab AS v, (SELECT k[3] AS key FROM keys) AS k
    WHERE contains(v.term, k.key.piece)
        AND (NOT k.key.head OR starts_with(v.term, k.key.piece))
        AND (NOT k.key.tail OR ends_with(v.term, k.key.piece))
),

k4 AS (
    SELECT v.term_id
    FROM marts.dash_search_vocab AS v, (SELECT k[4] AS key FROM keys) AS k
    WHERE contains(v.term, k.key.piece)
        AND (NOT k.key.head OR starts_with(v.term, k.key.piece))
        AND (NOT k.key.tail OR ends_with(v.term, k.key.piece))
),

found AS (
    SELECT pmid
    FROM marts.dash_search_docs
    WHERE ((SELECT k[1] FROM keys) IS NULL
            OR doc IN (SELECT doc FROM marts.dash_search_postings WHERE term_id IN (FROM k1)))
        AND ((SELECT k[2] FROM keys) IS NULL
            OR doc IN (SELECT doc FROM marts.dash_search_postings WHERE term_id IN (FROM k2)))
        AND ((SELECT k[3] FROM keys) IS NULL
            OR doc IN (SELECT doc FROM marts.dash_search_postings WHERE term_id IN (FROM k3)))
        AND ((SELECT k[4] FROM keys) IS NULL
            OR doc IN (SELECT doc FROM marts.dash_search_postings WHERE term_id IN (FROM k4)))
),

to_check AS (
    SELECT pmid FROM found WHERE NOT (SELECT exact FROM keys)
    UNION
    SELECT pmid FROM marts.dash_pending_corrections
),

texts AS MATERIALIZED (
    SELECT pmid, title, abstract
    FROM marts.dash_search_article_text
    WHERE pmid IN (SELECT pmid FROM to_check)
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
    SELECT pmid FROM found WHERE (SELECT exact FROM keys)
    UNION
    SELECT pmid FROM checked
)

SELECT pmid FROM final;
