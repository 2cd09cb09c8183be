-- The latest 500 quarantined records without their bytes (raw_bytes gives the size).
CREATE OR REPLACE VIEW marts.quarantine_recent AS
WITH final AS (
    SELECT
        run_id, pmid, reason, source, quarantined_at, octet_length(raw) AS raw_bytes
    FROM quarantine
    ORDER BY quarantined_at DESC
    LIMIT 500
)

SELECT * FROM final;
