-- Every decision on claims, oldest first (the order they apply in). Every column: a file
-- read-only (a snapshot) may predate the later ones, and the reader fills them in.
SELECT *
FROM claim_events
ORDER BY decided_at, event_id;
