-- Live articles that Retraction Watch records as retracted (RetractionNature "Retraction";
-- corrections, expressions of concern and reinstatements are not retractions), matched by the
-- original paper's PMID, else, for a record whose PMID is absent or not stored, by its DOI,
-- case-insensitively. One row per (article, record). The import and each load store this in
-- retraction_watch_matches (write/retraction_watch_refresh.sql); read that table instead.
CREATE OR REPLACE VIEW staging.retraction_watch_candidates AS
WITH notices AS (
    SELECT record_id, original_paper_pmid, lower(original_paper_doi) AS doi_key
    FROM raw.retraction_watch
    WHERE lower(trim(retraction_nature)) = 'retraction'
),

live AS (
    SELECT pmid, doi FROM articles WHERE NOT deleted
),

by_pmid AS (
    SELECT a.pmid, n.record_id, 'pmid' AS matched_by
    FROM notices AS n
    INNER JOIN live AS a ON a.pmid = n.original_paper_pmid
),

by_doi AS (
    SELECT a.pmid, n.record_id, 'doi' AS matched_by
    FROM notices AS n
    INNER JOIN live AS a ON lower(a.doi) = n.doi_key
    WHERE n.record_id NOT IN (SELECT record_id FROM by_pmid)
),

final AS (
    SELECT * FROM by_pmid
    UNION
    SELECT * FROM by_doi
)

SELECT * FROM final;
