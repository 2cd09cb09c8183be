-- Whether each live article is retracted, and by whose word: PubMed's own flag (publication
-- type or a RetractionIn notice) or an imported Retraction Watch record (matched by PMID or
-- DOI, retraction_watch_matches). `retracted` is either; marts.articles_current, and so the
-- claims' evidence and the dashboards, reads it the same way.
CREATE OR REPLACE VIEW staging.article_retractions AS
WITH watch AS (
    SELECT
        m.pmid,
        list(m.record_id ORDER BY m.record_id) AS watch_record_ids,
        min(r.retraction_date) AS watch_retraction_date
    FROM retraction_watch_matches AS m
    INNER JOIN raw.retraction_watch AS r USING (record_id)
    GROUP BY m.pmid
),

final AS (
    SELECT
        a.pmid,
        a.retracted AS retracted_in_pubmed,
        w.pmid IS NOT NULL AS retracted_in_watch,
        a.retracted OR w.pmid IS NOT NULL AS retracted,
        coalesce(w.watch_record_ids, []) AS watch_record_ids,
        w.watch_retraction_date
    FROM articles AS a
    LEFT JOIN watch AS w USING (pmid)
    WHERE NOT a.deleted
)

SELECT * FROM final;
