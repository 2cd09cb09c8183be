-- Per labelled live study, what a person has settled: the fields the model flagged for review
-- (needs_review), the ones still open (flagged and neither corrected nor confirmed since), the
-- claims a person judged it for, and whether a person has verified it: judged for a claim, or
-- a correction or confirmation of a label that places it (labels/review_queue.py,
-- VERIFYING_FIELDS). Off-topic studies stay: a doubtful drug label may hide a study.
CREATE OR REPLACE VIEW marts.dash_review_status AS
WITH articles AS (
    SELECT pmid, title, drug, confidence, needs_review, corrected_fields
    FROM marts.dash_articles
    WHERE model_version IS NOT NULL
),

judged AS (
    SELECT pmid, list(DISTINCT claim_id ORDER BY claim_id) AS judged_claims
    FROM claim_judgements
    GROUP BY pmid
),

final AS (
    SELECT
        a.pmid,
        a.title,
        a.drug,
        a.confidence,
        a.needs_review,
        a.corrected_fields,
        list_filter(a.needs_review, lambda f: NOT list_contains(a.corrected_fields, f))
            AS open_review,
        coalesce(j.judged_claims, []::VARCHAR[]) AS judged_claims,
        j.pmid IS NOT NULL
        OR list_has_any(a.corrected_fields, ['conditions', 'outcomes', 'design', 'finding'])
            AS is_verified
    FROM articles AS a
    LEFT JOIN judged AS j USING (pmid)
)

SELECT * FROM final;
