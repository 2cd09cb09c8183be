-- Set by `ketamine-evidence demo`: this file holds the demo's records from the local stand-in,
-- so a real ingest from NCBI refuses to mix into it (and a later demo may replace it).
CREATE TABLE IF NOT EXISTS demo_marker (
    marked_at TIMESTAMP NOT NULL,
    note VARCHAR NOT NULL
);
