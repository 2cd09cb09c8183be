-- The reviewer's word per (pmid, field): the latest correction wins.
CREATE OR REPLACE VIEW staging.label_corrections_latest AS
WITH corrections AS (
    SELECT * FROM label_corrections
),

ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY pmid, field ORDER BY corrected_at DESC, correction_id DESC
        ) AS recency
    FROM corrections
),

final AS (
    SELECT pmid, field, new_value, reviewer, reason, corrected_at
    FROM ranked
    WHERE recency = 1
)

SELECT * FROM final;
