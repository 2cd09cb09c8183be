-- One row per claim for the Claims page and the writers: status, support and citations.
CREATE OR REPLACE VIEW marts.claim_overview AS
WITH support AS (
    SELECT * FROM claim_support
),

open_alerts AS (
    SELECT claim_id, count(*) AS open_alerts
    FROM main.claim_alerts
    WHERE acknowledged_at IS NULL
    GROUP BY claim_id
),

final AS (
    SELECT
        s.*,
        coalesce(a.open_alerts, 0) AS open_alerts,
        c.conditions,
        c.outcomes,
        c.finding AS supporting_finding,
        c.min_design,
        c.routes AS query_routes
    FROM support AS s
    LEFT JOIN open_alerts AS a USING (claim_id)
    LEFT JOIN claims AS c USING (claim_id)
)

SELECT * FROM final;
