-- The candidate studies of one claim, as its decision form shows them.
SELECT
    pmid, design, finding, sample_size, year, entry_date, retracted, concern, title,
    drug, routes, form, abstract, matched, added_by, verdict, judged_by, judged_at, note
FROM marts.claim_evidence
WHERE claim_id = $claim_id::VARCHAR
ORDER BY length(pmid), pmid;
