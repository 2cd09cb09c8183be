-- Record one NLM file as applied by this run (a forced rerun of it takes the newer run).
INSERT INTO raw.pubmed_files (sha256, name, records, kept, deletions, quarantined, run_id, loaded_at)
VALUES ($sha256, $name, $records, $kept, $deletions, $quarantined, $run_id, $now)
ON CONFLICT (sha256) DO UPDATE SET
    name = excluded.name,
    records = excluded.records,
    kept = excluded.kept,
    deletions = excluded.deletions,
    quarantined = excluded.quarantined,
    run_id = excluded.run_id,
    loaded_at = excluded.loaded_at;
