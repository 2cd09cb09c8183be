-- Every decision the medical director made on a claim, appended and never changed.
-- The dashboard's inbox file holds the same table (it runs this file too) until the nightly
-- job merges it; event_id comes from the dashboard (time-ordered, unique across files).
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
