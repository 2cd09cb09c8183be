-- Every decision on every claim, oldest first.
CREATE OR REPLACE VIEW marts.claim_history AS
SELECT
    event_id, claim_id, action, wording, cited_pmids, grade, reviewer, reason, decided_at,
    evidence_digest, override_reason, channel
FROM main.claim_events;
