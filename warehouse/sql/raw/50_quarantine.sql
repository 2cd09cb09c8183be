-- Records that could not be parsed or were not returned, with the bytes as received, so
-- nothing fetched is silently lost. pmid is null where none could be read.
CREATE TABLE IF NOT EXISTS quarantine (
    run_id VARCHAR NOT NULL,
    pmid VARCHAR,
    reason VARCHAR NOT NULL CHECK (reason <> ''),
    raw BLOB NOT NULL,
    quarantined_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL
);
