-- The table of judgements, in the warehouse and in the inbox (the dashboard's own file), which
-- holds them until they are merged.
-- A person's judgement of one study for one claim, appended and never changed; the newest per
-- (claim_id, pmid) counts. Keyed by claim and PMID, never by label, so relabelling and
-- retraining leave it standing. judgement_id comes from the app (time-ordered, unique across
-- files), as for corrections.
CREATE TABLE IF NOT EXISTS claim_judgements (
    judgement_id BIGINT PRIMARY KEY,
    claim_id VARCHAR NOT NULL,
    pmid VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL CHECK (verdict IN ('supports', 'contradicts', 'mixed', 'irrelevant')),
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    note VARCHAR NOT NULL,
    judged_at TIMESTAMP NOT NULL
);

-- Studies a reviewer added to a claim's candidates by hand (by PMID or from a citation file):
-- the queries missed them. The first addition stands.
CREATE TABLE IF NOT EXISTS claim_additions (
    claim_id VARCHAR NOT NULL,
    pmid VARCHAR NOT NULL,
    added_by VARCHAR NOT NULL CHECK (added_by <> ''),
    added_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (claim_id, pmid)
);
