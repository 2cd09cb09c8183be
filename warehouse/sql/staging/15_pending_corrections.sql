-- Reviewers' corrections that the dashboard holds but this file does not yet hold.
-- The dashboard writes corrections to a small file of its own (the nightly job merges them)
-- and hands them to each read connection as the session variable
-- `dash_pending_corrections`; where it is unset, as in the nightly job, this view is empty.
CREATE OR REPLACE VIEW staging.pending_corrections AS
WITH handed_in AS (
    SELECT unnest(coalesce(
        CAST(getvariable('dash_pending_corrections') AS STRUCT(
            correction_id BIGINT, pmid VARCHAR, field VARCHAR, old_value VARCHAR,
            new_value VARCHAR, reviewer VARCHAR, reason VARCHAR, corrected_at TIMESTAMP
        )[]),
        []
    )) AS c
),

held AS (
    SELECT correction_id FROM label_corrections
),

final AS (
    SELECT
        c.correction_id,
        c.pmid,
        c.field,
        CAST(c.old_value AS JSON) AS old_value,
        CAST(c.new_value AS JSON) AS new_value,
        c.reviewer,
        c.reason,
        c.corrected_at
    FROM handed_in
    WHERE c.correction_id NOT IN (SELECT correction_id FROM held)
)

SELECT * FROM final;
