-- Substantiation dossiers: one per approval of a claim, frozen when it was made (claims/dossier.py).
-- Written once and never updated: `body` is the canonical JSON whose sha256 is `sha256`.
CREATE TABLE IF NOT EXISTS claim_dossiers (
    dossier_id VARCHAR PRIMARY KEY,
    claim_id VARCHAR NOT NULL,
    event_id BIGINT NOT NULL UNIQUE,
    approved_at TIMESTAMP NOT NULL,
    sha256 VARCHAR NOT NULL CHECK (length(sha256) = 64),
    body VARCHAR NOT NULL,
    html VARCHAR NOT NULL,
    stored_at TIMESTAMP NOT NULL
);
