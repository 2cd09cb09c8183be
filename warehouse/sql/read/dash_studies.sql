-- The studies list: every map filter, plus condition, outcome, finding, the PMIDs a text
-- search found (null = no search) and whether to leave out records not classified yet;
-- the first $limit by $sort. dash_studies_count.sql counts the same selection.
WITH studies AS (
    SELECT * FROM marts.dash_study_list
),

filtered AS (
    SELECT *
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
),

chosen AS (
    -- Sort and cut on the keys alone, then fetch the rows: carrying every column through
    -- the sort costs several times more at a million studies.
    SELECT pmid, year, design_rank, sample_size
    FROM filtered
    ORDER BY
        CASE WHEN $sort::VARCHAR = 'design' THEN design_rank END ASC NULLS LAST,
        CASE WHEN $sort::VARCHAR = 'size' THEN sample_size END DESC NULLS LAST,
        CASE WHEN $sort::VARCHAR = 'oldest' THEN year END ASC NULLS LAST,
        year DESC NULLS LAST,
        pmid DESC
    LIMIT $limit::INTEGER
),

final AS (
    SELECT
        s.pmid, s.year, s.title, s.design, s.sample_size, s.finding, s.drug, s.routes,
        s.conditions, s.outcomes, s.journal_abbrev, s.journal, s.doi, s.key_finding,
        s.retracted, s.concern, s.corrected_fields
    FROM chosen AS c
    JOIN marts.dash_study_list AS s USING (pmid)
    ORDER BY
        CASE WHEN $sort::VARCHAR = 'design' THEN c.design_rank END ASC NULLS LAST,
        CASE WHEN $sort::VARCHAR = 'size' THEN c.sample_size END DESC NULLS LAST,
        CASE WHEN $sort::VARCHAR = 'oldest' THEN c.year END ASC NULLS LAST,
        c.year DESC NULLS LAST,
        c.pmid DESC
)

SELECT * FROM final;
