-- A director's acknowledgement; the first one stands.
UPDATE claim_alerts
SET acknowledged_by = $reviewer, acknowledged_at = $acknowledged_at, ack_note = $note
WHERE alert_id = $alert_id AND acknowledged_at IS NULL;
