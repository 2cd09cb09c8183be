-- The dashboard's own file also holds the director's claim decisions and alert
-- acknowledgements until the nightly job merges them into the warehouse.
CREATE TABLE IF NOT EXISTS claim_events (
    event_id BIGINT PRIMARY KEY,
    claim_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('approve', 'edit', 'withdraw', 'grade')),
    wording VARCHAR,
    cited_pmids VARCHAR[],
    grade VARCHAR,
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    reason VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_acks (
    alert_id VARCHAR PRIMARY KEY,
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    note VARCHAR,
    acknowledged_at TIMESTAMP NOT NULL
);
