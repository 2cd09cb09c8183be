-- Replace the model's labels of the staged records (reviewer corrections live apart, in
-- label_corrections, and still win in the marts). Content and provenance stay as they were.
UPDATE articles AS a
SET
    conditions = s.conditions,
    outcomes = s.outcomes,
    finding = s.finding,
    design = s.design,
    drug = s.drug,
    routes = s.routes,
    sample_size = s.sample_size,
    key_finding = s.key_finding,
    confidence = s.confidence,
    model_version = s.model_version,
    needs_review = s.needs_review
FROM stage_labels AS s
WHERE a.pmid = s.pmid;
