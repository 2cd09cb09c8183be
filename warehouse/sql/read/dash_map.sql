-- The evidence map: per condition and outcome, how many studies of each design group, which
-- way they point and how many participants they hold, under the map's filters (null = any).
WITH cells AS (
    SELECT * FROM marts.dash_evidence_cells
),

filtered AS (
    SELECT *
    FROM cells
    WHERE ($year_from::INTEGER IS NULL OR year >= $year_from::INTEGER)
        AND ($year_to::INTEGER IS NULL OR year <= $year_to::INTEGER)
        AND ($drugs::VARCHAR[] IS NULL OR list_contains($drugs::VARCHAR[], drug))
        AND ($routes::VARCHAR[] IS NULL OR list_has_any(routes, $routes::VARCHAR[]))
        AND ($max_rank::INTEGER IS NULL OR design_rank <= $max_rank::INTEGER)
),

final AS (
    SELECT
        condition,
        outcome,
        count(*) AS studies,
        count(*) FILTER (WHERE design_group = 'meta_analysis') AS meta_analyses,
        count(*) FILTER (WHERE design_group = 'rct') AS rcts,
        count(*) FILTER (WHERE design_group = 'other') AS other_studies,
        count(*) FILTER (WHERE finding = 'positive') AS positive,
        count(*) FILTER (WHERE finding = 'mixed') AS mixed,
        count(*) FILTER (WHERE finding = 'negative') AS negative,
        coalesce(sum(sample_size), 0)::BIGINT AS participants
    FROM filtered
    GROUP BY condition, outcome
)

SELECT * FROM final ORDER BY condition, outcome;
