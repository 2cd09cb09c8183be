-- Live (non-retired) articles with reviewer corrections applied over the model's labels: the
-- one overlay of corrections (staging.label_corrections_latest says which is in effect,
-- pending dashboard ones included). corrected_fields names the labels a reviewer set; a
-- correction to JSON null sets null.
CREATE OR REPLACE VIEW marts.articles_current AS
WITH live AS (
    -- retracted by PubMed's word or by an imported Retraction Watch record, as
    -- staging.article_retractions says (the same rule, on the small table of matches)
    SELECT a.* REPLACE (a.retracted OR w.pmid IS NOT NULL AS retracted)
    FROM articles AS a
    LEFT JOIN (SELECT DISTINCT pmid FROM retraction_watch_matches) AS w USING (pmid)
    WHERE NOT a.deleted
),

corrections AS (
    SELECT
        pmid,
        list(field ORDER BY field) AS corrected_fields,
        any_value(new_value) FILTER (WHERE field = 'conditions') AS conditions,
        any_value(new_value) FILTER (WHERE field = 'outcomes') AS outcomes,
        any_value(new_value) FILTER (WHERE field = 'finding') AS finding,
        any_value(new_value) FILTER (WHERE field = 'design') AS design,
        any_value(new_value) FILTER (WHERE field = 'drug') AS drug,
        any_value(new_value) FILTER (WHERE field = 'routes') AS routes,
        any_value(new_value) FILTER (WHERE field = 'sample_size') AS sample_size,
        any_value(new_value) FILTER (WHERE field = 'key_finding') AS key_finding
    FROM staging.label_corrections_latest
    GROUP BY pmid
),

final AS (
    SELECT
        a.* EXCLUDE (deleted, deleted_run, deleted_at) REPLACE (
            CASE WHEN list_contains(c.corrected_fields, 'conditions')
                THEN CAST(c.conditions AS VARCHAR[]) ELSE a.conditions END AS conditions,
            CASE WHEN list_contains(c.corrected_fields, 'outcomes')
                THEN CAST(c.outcomes AS VARCHAR[]) ELSE a.outcomes END AS outcomes,
            CASE WHEN list_contains(c.corrected_fields, 'finding')
                THEN c.finding ->> '$' ELSE a.finding END AS finding,
            CASE WHEN list_contains(c.corrected_fields, 'design')
                THEN c.design ->> '$' ELSE a.design END AS design,
            CASE WHEN list_contains(c.corrected_fields, 'drug')
                THEN c.drug ->> '$' ELSE a.drug END AS drug,
            CASE WHEN list_contains(c.corrected_fields, 'routes')
                THEN CAST(c.routes AS VARCHAR[]) ELSE a.routes END AS routes,
            CASE WHEN list_contains(c.corrected_fields, 'sample_size')
                THEN CAST(c.sample_size AS INTEGER) ELSE a.sample_size END AS sample_size,
            CASE WHEN list_contains(c.corrected_fields, 'key_finding')
                THEN c.key_finding ->> '$' ELSE a.key_finding END AS key_finding
        ),
        coalesce(c.corrected_fields, []::VARCHAR[]) AS corrected_fields
    FROM live AS a
    LEFT JOIN corrections AS c USING (pmid)
)

SELECT * FROM final;
