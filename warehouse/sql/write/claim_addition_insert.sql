-- A study a reviewer added to a claim's candidates; the first addition stands.
INSERT INTO claim_additions (claim_id, pmid, added_by, added_at, source)
VALUES ($claim_id, $pmid, $added_by, $added_at, $source)
ON CONFLICT DO NOTHING;
