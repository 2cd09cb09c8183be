-- Record which topic queries matched which PMIDs, keeping the first run that saw each pair.
INSERT INTO query_matches (pmid, topic, first_run, last_run)
SELECT DISTINCT unnest($pmids::VARCHAR[]) AS pmid, unnest($topics::VARCHAR[]) AS topic,
    $run_id, $run_id
ON CONFLICT (pmid, topic) DO UPDATE SET last_run = excluded.last_run;
