SELECT pmid, topics, attempts, window_start, first_run, first_missing_at
FROM pending_pmids
ORDER BY pmid;
