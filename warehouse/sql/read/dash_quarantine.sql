-- Recently quarantined records and why, newest first.
SELECT quarantined_at, pmid, reason, source, raw_bytes, run_id
FROM marts.quarantine_recent
ORDER BY quarantined_at DESC
LIMIT $limit::INTEGER;
