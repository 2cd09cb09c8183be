-- Every claim as the last run left it, by claim id.
SELECT
    claim_id, status, wording, page, cited_pmids, grade, support, cebm_level,
    CAST(counts_by_design AS VARCHAR) AS counts_by_design,
    CAST(findings AS VARCHAR) AS findings,
    participants, strongest, newest, recommended, retracted, computed_at, open_alerts
FROM marts.claim_overview
ORDER BY claim_id;
