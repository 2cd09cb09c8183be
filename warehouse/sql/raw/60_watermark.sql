-- The date up to which records have been loaded, per feed; moved only by a completed load,
-- and never backwards (a backfill of an older window leaves it where it is).
CREATE TABLE IF NOT EXISTS watermark (
    name VARCHAR PRIMARY KEY,
    until DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
