-- The most recent quarantined records and why.
SELECT run_id, pmid, reason
FROM marts.quarantine_recent
ORDER BY quarantined_at DESC
LIMIT 20
