-- Every reviewer correction, merged into the warehouse or still pending in the dashboard's
-- file, with whether it is the one in effect for its (pmid, field): a pending correction is
-- newer than every merged one, then the latest wins, as in marts.dash_articles.
CREATE OR REPLACE VIEW marts.dash_corrections AS
WITH merged AS (
    SELECT
        correction_id, pmid, field, old_value, new_value, reviewer, reason, corrected_at,
        false AS is_pending
    FROM label_corrections
),

pending AS (
    SELECT *, true AS is_pending FROM staging.pending_corrections
),

combined AS (
    SELECT * FROM merged
    UNION ALL BY NAME
    SELECT * FROM pending
),

final AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY pmid, field
            ORDER BY is_pending DESC, corrected_at DESC, correction_id DESC
        ) = 1 AS is_in_effect
    FROM combined
)

SELECT * FROM final;
