-- NLM baseline and update files applied by the bulk route, by content: a file already here
-- is skipped when the same files are run again, so a rerun adds nothing twice.
CREATE TABLE IF NOT EXISTS raw.pubmed_files (
    sha256 VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    records INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    deletions INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    run_id VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
