-- Which topic query matched which PMID, accumulated across runs (a PMID can match several).
CREATE TABLE IF NOT EXISTS query_matches (
    pmid VARCHAR NOT NULL,
    topic VARCHAR NOT NULL,
    first_run VARCHAR NOT NULL,
    last_run VARCHAR NOT NULL,
    PRIMARY KEY (pmid, topic)
);
