-- The studies matching one claim's evidence query, strongest design first, then newest.
SELECT pmid, design, finding, sample_size, year, retracted, concern, title, journal, doi
FROM marts.claim_evidence
WHERE claim_id = $claim_id::VARCHAR
ORDER BY pmid;
