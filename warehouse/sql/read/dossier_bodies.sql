-- Every dossier's canonical JSON (or one claim's), oldest approval first.
SELECT body
FROM claim_dossiers
WHERE $claim_id IS NULL OR claim_id = $claim_id
ORDER BY approved_at, event_id;
