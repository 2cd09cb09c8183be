-- One claim's support after a run.
INSERT INTO claim_support VALUES (
    $claim_id, $run_id, $computed_at, $status, $wording, $page, $cited_pmids, $grade, $support,
    $cebm_level, CAST($counts_by_design AS JSON), CAST($findings AS JSON), $participants,
    $strongest, $newest, $recommended, $retracted
);
