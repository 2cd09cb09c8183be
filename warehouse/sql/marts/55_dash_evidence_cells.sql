-- One row per on-topic study, condition and outcome: the evidence map's cells before they
-- are filtered and counted (a study counts once in every cell it belongs to).
CREATE OR REPLACE VIEW marts.dash_evidence_cells AS
WITH condition_studies AS (
    SELECT * FROM marts.dash_condition_studies
),

final AS (
    SELECT * EXCLUDE (outcomes), unnest(outcomes) AS outcome
    FROM condition_studies
)

SELECT * FROM final;
