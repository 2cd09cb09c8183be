-- An empty temporary table for relabelled records: a PMID and its label columns.
CREATE OR REPLACE TEMP TABLE stage_labels AS
SELECT
    pmid, conditions, outcomes, finding, design, drug, routes, sample_size, key_finding,
    confidence, model_version, needs_review
FROM articles
LIMIT 0;
