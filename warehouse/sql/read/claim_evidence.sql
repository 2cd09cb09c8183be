-- The candidate studies of each claim, with the newest judgement of each.
SELECT
    claim_id, pmid, design, finding, sample_size, year, entry_date, retracted, concern, title,
    drug, routes, form, abstract, matched, added_by, verdict, judged_by, judged_at, note
FROM marts.claim_evidence
ORDER BY claim_id, length(pmid), pmid;
