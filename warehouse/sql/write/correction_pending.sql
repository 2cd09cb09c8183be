-- Hand this connection the dashboard's corrections for marts.dash_pending_corrections
-- (a session variable: allowed on a read-only connection, gone when it closes).
SET VARIABLE dash_pending_corrections = CAST($rows AS STRUCT(
    correction_id BIGINT, pmid VARCHAR, field VARCHAR, old_value VARCHAR,
    new_value VARCHAR, reviewer VARCHAR, reason VARCHAR, corrected_at TIMESTAMP
)[]);
