-- The dashboard's pending corrections under the name its reads use (see
-- staging.pending_corrections).
CREATE OR REPLACE VIEW marts.dash_pending_corrections AS
WITH final AS (
    SELECT * FROM staging.pending_corrections
)

SELECT * FROM final;
