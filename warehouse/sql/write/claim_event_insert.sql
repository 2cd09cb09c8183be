-- A director's decision on a claim; one already held (same event_id) is left as it is.
INSERT INTO claim_events (
    event_id, claim_id, action, wording, cited_pmids, grade, reviewer, reason, decided_at,
    evidence_digest, override_reason, channel
)
VALUES (
    $event_id, $claim_id, $action, $wording, $cited_pmids, $grade, $reviewer, $reason, $decided_at,
    $evidence_digest, $override_reason, $channel
)
ON CONFLICT DO NOTHING;
