-- Every live expression of concern flags the articles it concerns, whenever either arrived;
-- returns the PMIDs that gained a flag or a notice.
UPDATE articles AS a
SET
    concern = true,
    concern_notices = list_concat(
        a.concern_notices,
        list_filter(n.notices, lambda x: NOT list_contains(a.concern_notices, x))
    ),
    changed_run = $run_id,
    changed_at = $now
FROM (
    SELECT target AS pmid, list(notice ORDER BY length(notice), notice) AS notices
    FROM (
        SELECT pmid AS notice, unnest(concern_for) AS target
        FROM articles
        WHERE NOT deleted AND len(concern_for) > 0
    )
    GROUP BY target
) AS n
WHERE a.pmid = n.pmid AND NOT (a.concern AND list_has_all(a.concern_notices, n.notices))
RETURNING a.pmid;
