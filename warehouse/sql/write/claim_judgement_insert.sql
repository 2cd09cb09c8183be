-- A person's judgement of a study for a claim; one already held (same id) is left as it is.
INSERT INTO claim_judgements (judgement_id, claim_id, pmid, verdict, reviewer, note, judged_at)
VALUES ($judgement_id, $claim_id, $pmid, $verdict, $reviewer, $note, $judged_at)
ON CONFLICT DO NOTHING;
