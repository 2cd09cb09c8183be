-- The studies matching one claim's evidence query, as its decision form shows them.
SELECT pmid, design, finding, sample_size, year, entry_date, retracted, concern, title
FROM marts.claim_evidence
WHERE claim_id = $claim_id::VARCHAR
ORDER BY length(pmid), pmid;
