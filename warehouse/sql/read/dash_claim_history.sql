-- Every decision on every claim the warehouse holds, oldest first (the order they apply in).
SELECT event_id, claim_id, action, wording, cited_pmids, grade, reviewer, reason, decided_at
FROM marts.claim_history
ORDER BY decided_at, event_id;
