-- Decide, per incoming record, what the load does with it, and build the merged row:
--   is_stale: an older revision than the stored one (never replaces it);
--   labels: kept from the stored row when the incoming record is unclassified;
--   retraction/concern flags and notices: sticky, the union of stored and incoming;
--   deleted: false (a retired PMID that comes back is un-retired);
--   is_changed: the merged row differs from the stored one in some Article column.
CREATE OR REPLACE TEMP TABLE article_plan AS
WITH incoming AS (
    SELECT * FROM stage_articles
),

stored AS (
    SELECT * FROM articles WHERE pmid IN (SELECT pmid FROM incoming)
),

paired AS (
    SELECT
        i.*,
        s AS stored,
        s.pmid IS NOT NULL AS is_stored,
        coalesce(i.revised_date < s.revised_date, false) AS is_stale,
        s.pmid IS NOT NULL AND i.model_version IS NULL AS keeps_labels
    FROM incoming AS i
    LEFT JOIN stored AS s USING (pmid)
),

merged AS (
    SELECT * REPLACE (
        CASE WHEN keeps_labels THEN stored.conditions ELSE conditions END AS conditions,
        CASE WHEN keeps_labels THEN stored.outcomes ELSE outcomes END AS outcomes,
        CASE WHEN keeps_labels THEN stored.finding ELSE finding END AS finding,
        CASE WHEN keeps_labels THEN stored.design ELSE design END AS design,
        CASE WHEN keeps_labels THEN stored.drug ELSE drug END AS drug,
        CASE WHEN keeps_labels THEN stored.routes ELSE routes END AS routes,
        CASE WHEN keeps_labels THEN stored.sample_size ELSE sample_size END AS sample_size,
        CASE WHEN keeps_labels THEN stored.key_finding ELSE key_finding END AS key_finding,
        CASE WHEN keeps_labels THEN stored.confidence ELSE confidence END AS confidence,
        CASE WHEN keeps_labels THEN stored.model_version ELSE model_version END
            AS model_version,
        retracted OR coalesce(stored.retracted, false) AS retracted,
        list_concat(retraction_notices, list_filter(
            coalesce(stored.retraction_notices, []),
            lambda n: NOT list_contains(retraction_notices, n)
        )) AS retraction_notices,
        concern OR coalesce(stored.concern, false) AS concern,
        list_concat(concern_notices, list_filter(
            coalesce(stored.concern_notices, []),
            lambda n: NOT list_contains(concern_notices, n)
        )) AS concern_notices,
        false AS deleted
    )
    FROM paired
),

changed AS (
    SELECT pmid FROM (
        SELECT * EXCLUDE (stored, is_stored, is_stale, keeps_labels) FROM merged
        EXCEPT
        SELECT * FROM staging.article_records WHERE pmid IN (SELECT pmid FROM incoming)
    )
),

final AS (
    SELECT
        * EXCLUDE (stored, keeps_labels),
        pmid IN (SELECT pmid FROM changed) AS is_changed,
        is_stored AND (
            (retracted AND NOT stored.retracted)
            OR (concern AND NOT stored.concern)
            OR len(retraction_notices) > len(stored.retraction_notices)
            OR len(concern_notices) > len(stored.concern_notices)
        ) AS is_newly_flagged,
        stored.first_seen_run AS stored_first_seen_run,
        stored.first_seen_at AS stored_first_seen_at
    FROM merged
)

SELECT * FROM final;
