-- The dossiers the warehouse holds.
SELECT dossier_id FROM claim_dossiers ORDER BY dossier_id;
