-- Record an acknowledgement in the dashboard's file; the first one stands.
INSERT INTO alert_acks VALUES ($alert_id, $reviewer, $note, $acknowledged_at) ON CONFLICT DO NOTHING;
