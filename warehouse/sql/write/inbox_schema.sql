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

-- Added with approval integrity: what the director saw, an override's reason, and where the
-- decision was made. ADD COLUMN IF NOT EXISTS migrates files written before.
ALTER TABLE claim_events ADD COLUMN IF NOT EXISTS evidence_digest VARCHAR;
ALTER TABLE claim_events ADD COLUMN IF NOT EXISTS override_reason VARCHAR;
ALTER TABLE claim_events ADD COLUMN IF NOT EXISTS channel VARCHAR;
CREATE TABLE IF NOT EXISTS alert_acks (
    alert_id VARCHAR PRIMARY KEY,
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    note VARCHAR,
    acknowledged_at TIMESTAMP NOT NULL
);
