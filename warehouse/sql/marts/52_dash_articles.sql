-- Live articles as the dashboards show them: marts.articles_current (merged corrections
-- applied) with the dashboard's pending corrections applied on top, so a reviewer sees a
-- correction at once, before the nightly job has merged it. All topics, off-topic included.
CREATE OR REPLACE VIEW marts.dash_articles AS
WITH current_articles AS (
    SELECT * FROM marts.articles_current
),

pending_latest AS (
    SELECT pmid, field, new_value
    FROM marts.dash_pending_corrections
    QUALIFY row_number() OVER (
        PARTITION BY pmid, field ORDER BY corrected_at DESC, correction_id DESC
    ) = 1
),

pending AS (
    SELECT
        pmid,
        list(field ORDER BY field) AS fields,
        any_value(new_value) FILTER (WHERE field = 'conditions') AS conditions,
        any_value(new_value) FILTER (WHERE field = 'outcomes') AS outcomes,
        any_value(new_value) FILTER (WHERE field = 'finding') AS finding,
        any_value(new_value) FILTER (WHERE field = 'design') AS design,
        any_value(new_value) FILTER (WHERE field = 'drug') AS drug,
        any_value(new_value) FILTER (WHERE field = 'routes') AS routes,
        any_value(new_value) FILTER (WHERE field = 'sample_size') AS sample_size,
        any_value(new_value) FILTER (WHERE field = 'key_finding') AS key_finding
    FROM pending_latest
    GROUP BY pmid
),

final AS (
    SELECT
        a.* REPLACE (
            CASE WHEN list_contains(p.fields, 'conditions')
                THEN CAST(p.conditions AS VARCHAR[]) ELSE a.conditions END AS conditions,
            CASE WHEN list_contains(p.fields, 'outcomes')
                THEN CAST(p.outcomes AS VARCHAR[]) ELSE a.outcomes END AS outcomes,
            CASE WHEN list_contains(p.fields, 'finding')
                THEN p.finding ->> '$' ELSE a.finding END AS finding,
            CASE WHEN list_contains(p.fields, 'design')
                THEN p.design ->> '$' ELSE a.design END AS design,
            CASE WHEN list_contains(p.fields, 'drug')
                THEN p.drug ->> '$' ELSE a.drug END AS drug,
            CASE WHEN list_contains(p.fields, 'routes')
                THEN CAST(p.routes AS VARCHAR[]) ELSE a.routes END AS routes,
            CASE WHEN list_contains(p.fields, 'sample_size')
                THEN CAST(p.sample_size AS INTEGER) ELSE a.sample_size END AS sample_size,
            CASE WHEN list_contains(p.fields, 'key_finding')
                THEN p.key_finding ->> '$' ELSE a.key_finding END AS key_finding,
            CASE WHEN p.pmid IS NULL THEN a.corrected_fields
                ELSE list_sort(list_distinct(list_concat(a.corrected_fields, p.fields)))
            END AS corrected_fields
        )
    FROM current_articles AS a
    LEFT JOIN pending AS p USING (pmid)
)

SELECT * FROM final;
