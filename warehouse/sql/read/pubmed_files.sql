-- NLM files the bulk route has applied, in the order they were loaded.
SELECT sha256, name, records, kept, deletions, quarantined, run_id, loaded_at
FROM raw.pubmed_files
ORDER BY loaded_at, name;
