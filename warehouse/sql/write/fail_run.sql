-- Mark a run failed with its error; stats not given keep what the row already had.
UPDATE runs SET
    status = 'failed',
    finished_at = $now,
    seconds = date_diff('microsecond', started_at, $now) / 1e6,
    error = $error,
    requests = coalesce($requests, requests),
    searched = coalesce($searched, searched),
    fetched = coalesce($fetched, fetched),
    inserted = coalesce($inserted, inserted),
    updated = coalesce($updated, updated),
    unchanged = coalesce($unchanged, unchanged),
    stale = coalesce($stale, stale),
    deleted = coalesce($deleted, deleted),
    quarantined = coalesce($quarantined, quarantined),
    retracted_flagged = coalesce($retracted_flagged, retracted_flagged)
WHERE run_id = $run_id
RETURNING run_id;
