-- The text search as a scan of every title and abstract (what dash_search.sql answered before
-- it had an index, same parameters): the reference the tests and the benchmark compare it with.
-- Each term is a regular expression escaped to match literally; null = no term.
SELECT pmid
FROM marts.dash_search_text
WHERE ($t1::VARCHAR IS NULL OR regexp_matches(title, $t1, 'i')
        OR regexp_matches(abstract, $t1, 'i'))
    AND ($t2::VARCHAR IS NULL OR regexp_matches(title, $t2, 'i')
        OR regexp_matches(abstract, $t2, 'i'))
    AND ($t3::VARCHAR IS NULL OR regexp_matches(title, $t3, 'i')
        OR regexp_matches(abstract, $t3, 'i'))
    AND ($t4::VARCHAR IS NULL OR regexp_matches(title, $t4, 'i')
        OR regexp_matches(abstract, $t4, 'i'));
