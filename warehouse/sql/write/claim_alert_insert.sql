-- A new alert; the same event raised again (same alert_id) is not stored twice.
INSERT INTO claim_alerts (alert_id, claim_id, kind, pmid, detail, run_id, created_at)
VALUES ($alert_id, $claim_id, $kind, $pmid, $detail, $run_id, $created_at)
ON CONFLICT DO NOTHING;
