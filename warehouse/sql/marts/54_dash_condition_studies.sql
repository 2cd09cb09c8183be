-- One row per on-topic study and condition it is about, for the trends and the map.
CREATE OR REPLACE VIEW marts.dash_condition_studies AS
WITH studies AS (
    SELECT
        pmid, year, drug, routes, design, design_rank, design_group, finding, sample_size,
        conditions, outcomes
    FROM marts.dash_studies
),

final AS (
    SELECT * EXCLUDE (conditions), unnest(conditions) AS condition
    FROM studies
)

SELECT * FROM final;
