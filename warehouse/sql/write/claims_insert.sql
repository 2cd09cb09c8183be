-- One registry claim with its evidence query.
INSERT INTO claims BY NAME (
    SELECT
        $claim_id AS claim_id, $wording AS wording, $page AS page,
        $registry_status AS registry_status, $conditions AS conditions, $outcomes AS outcomes,
        $finding AS finding, $drugs AS drugs, $routes AS routes, $min_design AS min_design,
        $designs AS designs, $terms_pattern AS terms_pattern, $cited_pmids AS cited_pmids,
        $synced_at AS synced_at, $kind AS kind, $forms AS forms
);
