-- Alerts newest first, with the study each one is about.
CREATE OR REPLACE VIEW marts.claim_alerts_recent AS
WITH alerts AS (
    SELECT * FROM main.claim_alerts
),

final AS (
    SELECT
        a.*,
        ar.title AS study_title,
        ar.year AS study_year
    FROM alerts AS a
    LEFT JOIN articles AS ar USING (pmid)
)

SELECT * FROM final;
