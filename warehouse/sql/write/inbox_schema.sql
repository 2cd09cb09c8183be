-- The dashboard's own file also holds the reviewers' alert acknowledgements until the
-- nightly job merges them into the warehouse (its corrections and claim decisions use the
-- warehouse's raw/70_label_corrections.sql and raw/90_claim_events.sql).
CREATE TABLE IF NOT EXISTS alert_acks (
    alert_id VARCHAR PRIMARY KEY,
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    note VARCHAR,
    acknowledged_at TIMESTAMP NOT NULL
);
