-- Write the new and changed records (never the stale ones) with their bookkeeping; the
-- changed ones were cleared by delete_replaced.sql just before.
INSERT INTO articles BY NAME
SELECT
    * EXCLUDE (
        is_stored, is_stale, is_changed, is_newly_flagged,
        stored_first_seen_run, stored_first_seen_at
    ),
    coalesce(stored_first_seen_run, $run_id) AS first_seen_run,
    coalesce(stored_first_seen_at, $now) AS first_seen_at,
    $run_id AS last_seen_run,
    $run_id AS changed_run,
    $now AS changed_at,
    NULL AS deleted_run,
    NULL AS deleted_at
FROM article_plan
WHERE is_changed AND NOT is_stale;
