-- The Retraction Watch database as imported from its CSV export (`retractions import`), one
-- row per Record ID and column for column: an import upserts by Record ID and never drops a
-- record a later, partial file leaves out. PMIDs are NULL where the export says 0 or nothing;
-- DOIs NULL where it says "unavailable".
CREATE TABLE IF NOT EXISTS raw.retraction_watch (
    record_id INTEGER PRIMARY KEY,
    title VARCHAR,
    subject VARCHAR,
    institution VARCHAR,
    journal VARCHAR,
    publisher VARCHAR,
    country VARCHAR,
    author VARCHAR,
    urls VARCHAR,
    article_type VARCHAR,
    retraction_date DATE,
    retraction_doi VARCHAR,
    retraction_pmid VARCHAR,
    original_paper_date DATE,
    original_paper_doi VARCHAR,
    original_paper_pmid VARCHAR,
    retraction_nature VARCHAR,
    reason VARCHAR,
    paywalled VARCHAR,
    notes VARCHAR,
    source_file VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

-- Which live articles those records retract (staging.retraction_watch_candidates), kept as a
-- table so the dashboards' every read of marts.articles_current costs a small join, not the
-- matching of the whole database against every article: refreshed by each import and by each
-- load (warehouse.loads), in their transactions.
CREATE TABLE IF NOT EXISTS retraction_watch_matches (
    pmid VARCHAR NOT NULL,
    record_id INTEGER NOT NULL,
    matched_by VARCHAR NOT NULL,
    PRIMARY KEY (pmid, record_id)
);
