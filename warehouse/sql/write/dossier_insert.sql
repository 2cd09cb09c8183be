-- A frozen dossier; one already held is left exactly as it is (dossiers are never updated).
INSERT INTO claim_dossiers (dossier_id, claim_id, event_id, approved_at, sha256, body, html, stored_at)
VALUES ($dossier_id, $claim_id, $event_id, $approved_at, $sha256, $body, $html, $stored_at)
ON CONFLICT DO NOTHING;
