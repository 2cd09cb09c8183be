-- Record a delivery attempt: sent_at on success, the error otherwise (retried next run).
UPDATE claim_alerts
SET sent_at = $sent_at, send_error = $send_error
WHERE alert_id = $alert_id AND sent_at IS NULL;
