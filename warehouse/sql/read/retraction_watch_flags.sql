-- Stored studies Retraction Watch records as retracted and PubMed has not marked, newest
-- retraction first: what `retractions import` reports.
SELECT
    m.pmid,
    m.record_id,
    m.matched_by,
    r.retraction_date,
    r.retraction_pmid,
    r.retraction_doi,
    a.title
FROM retraction_watch_matches AS m
INNER JOIN raw.retraction_watch AS r USING (record_id)
INNER JOIN articles AS a USING (pmid)
WHERE NOT a.retracted AND NOT a.deleted
ORDER BY r.retraction_date DESC NULLS LAST, length(m.pmid), m.pmid, m.record_id;
