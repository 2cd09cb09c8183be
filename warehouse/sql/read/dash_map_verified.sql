-- Across the evidence map under its filters: how many distinct studies it counts, and how
-- many of them a person has verified ("N of M verified by a person"); $hide_open as in
-- dash_map_review.sql.
WITH studies AS (
    SELECT s.*, r.is_verified, len(r.open_review) > 0 AS is_open
    FROM marts.dash_condition_studies AS s
    LEFT JOIN marts.dash_review_status AS r USING (pmid)
    WHERE len(s.outcomes) > 0
),

filtered AS (
    SELECT DISTINCT pmid, is_verified
    FROM studies
    WHERE ($year_from::INTEGER IS NULL OR year >= $year_from::INTEGER)
        AND ($year_to::INTEGER IS NULL OR year <= $year_to::INTEGER)
        AND ($drugs::VARCHAR[] IS NULL OR list_contains($drugs::VARCHAR[], drug))
        AND ($routes::VARCHAR[] IS NULL OR list_has_any(routes, $routes::VARCHAR[]))
        AND ($max_rank::INTEGER IS NULL OR design_rank <= $max_rank::INTEGER)
        AND NOT ($hide_open::BOOLEAN AND coalesce(is_open, false))
),

final AS (
    SELECT
        count(*) FILTER (WHERE coalesce(is_verified, false)) AS verified,
        count(*) AS studies
    FROM filtered
)

SELECT * FROM final;
