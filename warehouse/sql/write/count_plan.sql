-- What the planned merge will do, for the run's counts.
SELECT
    count(*) FILTER (WHERE NOT is_stored) AS inserted,
    count(*) FILTER (WHERE is_stored AND NOT is_stale AND is_changed) AS updated,
    count(*) FILTER (WHERE is_stored AND NOT is_stale AND NOT is_changed) AS unchanged,
    count(*) FILTER (WHERE is_stale) AS stale,
    coalesce(list(pmid) FILTER (WHERE is_newly_flagged AND NOT is_stale), []) AS flagged
FROM article_plan;
