-- Every decision on every claim the warehouse holds, oldest first (the order they apply in).
-- Every column: a snapshot published before approvals kept their digest lacks the later ones.
SELECT *
FROM marts.claim_history
ORDER BY decided_at, event_id;
