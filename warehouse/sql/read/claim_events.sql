-- Every decision on claims, oldest first (the order they apply in).
SELECT event_id, claim_id, action, wording, cited_pmids, grade, reviewer, reason, decided_at
FROM claim_events
ORDER BY decided_at, event_id;
