-- The evidence map as dash_map.sql computes it, with per cell how many studies a person has
-- verified and how many still have labels open for review; $hide_open drops those.
WITH cells AS (
    SELECT c.*, r.is_verified, len(r.open_review) > 0 AS is_open
    FROM marts.dash_evidence_cells AS c
    LEFT JOIN marts.dash_review_status AS r USING (pmid)
),

filtered AS (
    SELECT *
    FROM cells
    WHERE ($year_from::INTEGER IS NULL OR year >= $year_from::INTEGER)
        AND ($year_to::INTEGER IS NULL OR year <= $year_to::INTEGER)
        AND ($drugs::VARCHAR[] IS NULL OR list_contains($drugs::VARCHAR[], drug))
        AND ($routes::VARCHAR[] IS NULL OR list_has_any(routes, $routes::VARCHAR[]))
        AND ($max_rank::INTEGER IS NULL OR design_rank <= $max_rank::INTEGER)
        AND NOT ($hide_open::BOOLEAN AND coalesce(is_open, false))
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
        coalesce(sum(sample_size), 0)::BIGINT AS participants,
        count(*) FILTER (WHERE coalesce(is_verified, false)) AS verified,
        count(*) FILTER (WHERE coalesce(is_open, false)) AS open_review
    FROM filtered
    GROUP BY condition, outcome
)

SELECT * FROM final ORDER BY condition, outcome;
