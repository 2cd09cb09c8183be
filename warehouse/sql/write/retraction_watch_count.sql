-- How many of the staged records are new, and how many replace a stored one.
SELECT
    count(*) FILTER (WHERE r.record_id IS NULL) AS new,
    count(*) FILTER (WHERE r.record_id IS NOT NULL) AS updated
FROM stage_retraction_watch AS s
LEFT JOIN raw.retraction_watch AS r USING (record_id);
