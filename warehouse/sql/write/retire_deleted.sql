-- Retire deleted PMIDs: the row stays, marked; returns the PMIDs retired by this run.
UPDATE articles
SET deleted = true, deleted_run = $run_id, deleted_at = $now
WHERE pmid IN (SELECT unnest($pmids::VARCHAR[])) AND NOT deleted
RETURNING pmid;
