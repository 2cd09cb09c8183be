-- The studies matching each claim's evidence query.
SELECT claim_id, pmid, design, finding, sample_size, year, entry_date, retracted, concern, title
FROM marts.claim_evidence
ORDER BY claim_id, length(pmid), pmid;
