-- The PMIDs whose title or abstract holds every search term, ignoring case: up to four
-- terms, each a regular expression escaped to match literally (null = no term). RE2 with a
-- bound pattern is about ten times faster than lower-casing every abstract.
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
