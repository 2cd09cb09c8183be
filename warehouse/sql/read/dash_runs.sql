-- Recent ingestion runs, newest first, for the pipeline page.
SELECT
    started_at, finished_at, status, window_start, window_end, searched, fetched, inserted,
    updated, unchanged, deleted, quarantined, retracted_flagged, seconds, error, run_id
FROM marts.runs_recent
ORDER BY started_at DESC, run_id DESC
LIMIT $limit::INTEGER;
