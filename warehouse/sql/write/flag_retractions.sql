-- Every live retraction notice flags the articles it retracts, whenever either arrived;
-- returns the PMIDs that gained a flag or a notice.
UPDATE articles AS a
SET
    retracted = true,
    retraction_notices = list_concat(
        a.retraction_notices,
        list_filter(n.notices, lambda x: NOT list_contains(a.retraction_notices, x))
    ),
    changed_run = $run_id,
    changed_at = $now
FROM (
    SELECT target AS pmid, list(notice ORDER BY length(notice), notice) AS notices
    FROM (
        SELECT pmid AS notice, unnest(retraction_of) AS target
        FROM articles
        WHERE NOT deleted AND len(retraction_of) > 0
    )
    GROUP BY target
) AS n
WHERE a.pmid = n.pmid AND NOT (a.retracted AND list_has_all(a.retraction_notices, n.notices))
RETURNING a.pmid;
