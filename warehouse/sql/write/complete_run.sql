-- Close a run as completed with its counts; only a running (or earlier failed) run can be.
UPDATE runs SET
    status = 'completed',
    finished_at = $now,
    seconds = date_diff('microsecond', started_at, $now) / 1e6,
    load_seconds = $load_seconds,
    requests = $requests,
    searched = $searched,
    fetched = $fetched,
    inserted = $inserted,
    updated = $updated,
    unchanged = $unchanged,
    stale = $stale,
    deleted = $deleted,
    quarantined = $quarantined,
    retracted_flagged = $retracted_flagged,
    error = NULL
WHERE run_id = $run_id AND status IN ('running', 'failed')
RETURNING run_id;
