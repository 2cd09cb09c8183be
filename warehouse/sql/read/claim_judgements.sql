-- Every judgement of a study for a claim, oldest first (the newest per claim and study counts).
SELECT judgement_id, claim_id, pmid, verdict, reviewer, note, judged_at
FROM claim_judgements
ORDER BY judged_at, judgement_id;
