-- Every acknowledgement a dashboard file holds.
SELECT alert_id, reviewer, note, acknowledged_at FROM alert_acks ORDER BY acknowledged_at, alert_id;
