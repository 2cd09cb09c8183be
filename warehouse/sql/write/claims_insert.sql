-- One registry claim with its evidence query.
INSERT INTO claims VALUES (
    $claim_id, $wording, $page, $registry_status, $conditions, $outcomes, $finding, $drugs,
    $routes, $min_design, $designs, $terms_pattern, $cited_pmids, $synced_at
);
