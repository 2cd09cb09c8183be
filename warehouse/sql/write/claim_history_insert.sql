-- One claim's support at one run (a rerun of the same run replaces it).
INSERT OR REPLACE INTO claim_support_history VALUES (
    $run_id, $claim_id, $computed_at, $support, $studies
);
