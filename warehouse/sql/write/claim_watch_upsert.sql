-- What this watch saw of a claim, for the next run's comparison.
INSERT OR REPLACE INTO claim_watch VALUES ($claim_id, $seen, $support, $watched_at);
