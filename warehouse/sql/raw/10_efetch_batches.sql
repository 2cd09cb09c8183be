-- Every efetch response kept as received, gzip-compressed, so records can be re-parsed
-- without re-fetching. sha256 is of the uncompressed body.
CREATE TABLE IF NOT EXISTS raw.efetch_batches (
    run_id VARCHAR NOT NULL,
    batch_no INTEGER NOT NULL,
    pmids VARCHAR[] NOT NULL,
    body BLOB NOT NULL,
    sha256 VARCHAR NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, batch_no)
);
