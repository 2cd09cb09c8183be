-- marts.dash_studies without abstracts: what the evidence map, trends and studies list filter
-- and show. Small enough for the dashboard to hold in memory per published snapshot.
CREATE OR REPLACE VIEW marts.dash_study_list AS
WITH studies AS (
    SELECT * FROM marts.dash_studies
),

final AS (
    SELECT * EXCLUDE (abstract) FROM studies
)

SELECT * FROM final;
