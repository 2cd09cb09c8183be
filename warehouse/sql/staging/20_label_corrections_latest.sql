-- The reviewer's word per (pmid, field): merged corrections and the dashboard's pending ones
-- (empty outside the dashboard), a pending one before every merged one, then the latest wins.
-- The one home of "which correction is in effect": marts.articles_current applies it.
CREATE OR REPLACE VIEW staging.label_corrections_latest AS
WITH merged AS (
    SELECT correction_id, pmid, field, new_value, reviewer, reason, corrected_at,
        false AS is_pending
    FROM label_corrections
),

pending AS (
    SELECT correction_id, pmid, field, new_value, reviewer, reason, corrected_at,
        true AS is_pending
    FROM staging.pending_corrections
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY pmid, field
            ORDER BY is_pending DESC, corrected_at DESC, correction_id DESC
        ) AS recency
    FROM (SELECT * FROM merged UNION ALL BY NAME SELECT * FROM pending)
),

final AS (
    SELECT pmid, field, new_value, reviewer, reason, corrected_at, is_pending
    FROM ranked
    WHERE recency = 1
)

SELECT * FROM final;
