-- PMIDs a nightly run's searches promised that efetch did not return: asked for again on the
-- next nights, until they come back or are given up (quarantined, reason saying so). While a
-- PMID is owed, the watermark stays where the next window still covers the window that first
-- promised it (window_start). Replaced whole by each nightly load, in its transaction.
CREATE TABLE IF NOT EXISTS pending_pmids (
    pmid VARCHAR PRIMARY KEY,
    topics VARCHAR[] NOT NULL,  -- the topic queries that matched it, recorded once it loads
    attempts INTEGER NOT NULL CHECK (attempts > 0),  -- runs that asked for it in vain
    window_start DATE NOT NULL,
    first_run VARCHAR NOT NULL,
    last_run VARCHAR NOT NULL,
    first_missing_at TIMESTAMP NOT NULL,
    last_missing_at TIMESTAMP NOT NULL
);
