-- The alerts no acknowledgement has reached yet.
SELECT alert_id FROM claim_alerts WHERE acknowledged_at IS NULL ORDER BY alert_id;
