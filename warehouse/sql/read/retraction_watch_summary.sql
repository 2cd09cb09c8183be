-- What the imported Retraction Watch records hold, against the stored studies.
SELECT
    (SELECT count(*) FROM raw.retraction_watch) AS records,
    count(DISTINCT m.pmid) AS matched,
    count(DISTINCT m.pmid) FILTER (WHERE a.retracted) AS already_marked
FROM retraction_watch_matches AS m
INNER JOIN articles AS a USING (pmid)
WHERE NOT a.deleted;
