-- Live records whose labels came from another model version (or none), in PMID order.
SELECT pmid
FROM articles
WHERE NOT deleted AND model_version IS DISTINCT FROM $version
ORDER BY length(pmid), pmid;
