-- Publications per condition, year and design under the map's filters (undated left out).
WITH condition_studies AS (
    SELECT * FROM marts.dash_condition_studies
),

filtered AS (
    SELECT *
    FROM condition_studies
    WHERE year IS NOT NULL
        AND ($year_from::INTEGER IS NULL OR year >= $year_from::INTEGER)
        AND ($year_to::INTEGER IS NULL OR year <= $year_to::INTEGER)
        AND ($drugs::VARCHAR[] IS NULL OR list_contains($drugs::VARCHAR[], drug))
        AND ($routes::VARCHAR[] IS NULL OR list_has_any(routes, $routes::VARCHAR[]))
        AND ($max_rank::INTEGER IS NULL OR design_rank <= $max_rank::INTEGER)
),

final AS (
    SELECT condition, year, coalesce(design, 'unlabelled') AS design, count(*) AS studies
    FROM filtered
    GROUP BY ALL
)

SELECT * FROM final ORDER BY condition, year, design;
