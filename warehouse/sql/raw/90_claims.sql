-- The claims registry as of the last nightly run, with each claim's evidence query in columns
-- the matching view can join on. `designs` lists the designs at or above the claim's minimum.
CREATE TABLE IF NOT EXISTS claims (
    claim_id VARCHAR PRIMARY KEY,
    wording VARCHAR NOT NULL,
    page VARCHAR,
    registry_status VARCHAR NOT NULL,
    conditions VARCHAR[] NOT NULL,
    outcomes VARCHAR[] NOT NULL,
    finding VARCHAR NOT NULL,
    drugs VARCHAR[] NOT NULL,
    routes VARCHAR[] NOT NULL,
    min_design VARCHAR NOT NULL,
    designs VARCHAR[] NOT NULL,
    terms_pattern VARCHAR,
    cited_pmids VARCHAR[] NOT NULL,
    synced_at TIMESTAMP NOT NULL
);

-- Added with claim kinds (issue 13): what kind of claim it is, and the drug forms it is about.
ALTER TABLE claims ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'efficacy';
ALTER TABLE claims ADD COLUMN IF NOT EXISTS forms VARCHAR[] DEFAULT [];
