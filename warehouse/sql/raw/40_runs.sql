-- One row per ingestion run: inserted as 'running', closed as 'completed' by the load's own
-- transaction or as 'failed' by fail_run. A run killed outright stays 'running'.
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    flow_run_id VARCHAR,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    requests INTEGER,
    searched INTEGER,
    fetched INTEGER,
    inserted INTEGER,
    updated INTEGER,
    unchanged INTEGER,
    stale INTEGER,
    deleted INTEGER,
    quarantined INTEGER,
    retracted_flagged INTEGER,
    error VARCHAR,
    seconds DOUBLE,
    load_seconds DOUBLE
);
