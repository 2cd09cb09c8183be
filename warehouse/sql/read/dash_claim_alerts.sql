-- Every alert on a claim, newest first, with its acknowledgement and the study it is about.
SELECT
    alert_id, claim_id, kind, pmid, detail, created_at,
    acknowledged_by, acknowledged_at, ack_note, study_title, study_year
FROM marts.claim_alerts_recent
ORDER BY created_at DESC, alert_id;
