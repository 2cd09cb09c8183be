-- How many studies the studies list's filters select (dash_studies.sql shows the first ones).
WITH studies AS (
    SELECT * FROM marts.dash_study_list
),

filtered AS (
    SELECT pmid
    FROM studies
    WHERE ($year_from::INTEGER IS NULL OR year >= $year_from::INTEGER)
        AND ($year_to::INTEGER IS NULL OR year <= $year_to::INTEGER)
        AND ($drugs::VARCHAR[] IS NULL OR list_contains($drugs::VARCHAR[], drug))
        AND ($routes::VARCHAR[] IS NULL OR list_has_any(routes, $routes::VARCHAR[]))
        AND ($max_rank::INTEGER IS NULL OR design_rank <= $max_rank::INTEGER)
        AND ($condition::VARCHAR IS NULL OR list_contains(conditions, $condition::VARCHAR))
        AND ($outcome::VARCHAR IS NULL OR list_contains(outcomes, $outcome::VARCHAR))
        AND ($finding::VARCHAR IS NULL OR finding = $finding::VARCHAR)
        AND (NOT $labelled_only::BOOLEAN OR is_labelled)
        AND ($pmids::VARCHAR[] IS NULL OR pmid IN (SELECT unnest($pmids::VARCHAR[])))
)

SELECT count(*) AS matches FROM filtered;
