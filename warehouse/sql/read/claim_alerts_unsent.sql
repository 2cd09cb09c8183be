-- Alerts not yet delivered through the configured channel, oldest first.
SELECT alert_id, claim_id, kind, pmid, detail, created_at
FROM claim_alerts
WHERE sent_at IS NULL
ORDER BY created_at, alert_id;
