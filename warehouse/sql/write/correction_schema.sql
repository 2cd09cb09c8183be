-- The dashboard's own corrections file: the reviewers' corrections, appended and never
-- changed, until the nightly job (or the app, when the warehouse is free) merges them into
-- the warehouse's label_corrections, whose columns these are. correction_id is chosen by the
-- app (microseconds since the epoch x 1000 + a random 0-999), so ids stay unique across files.
CREATE TABLE IF NOT EXISTS label_corrections (
    correction_id BIGINT PRIMARY KEY,
    pmid VARCHAR NOT NULL,
    field VARCHAR NOT NULL CHECK (field IN (
        'conditions', 'outcomes', 'finding', 'design', 'drug', 'routes', 'sample_size',
        'key_finding'
    )),
    old_value JSON,
    new_value JSON NOT NULL,
    reviewer VARCHAR NOT NULL CHECK (reviewer <> ''),
    reason VARCHAR,
    corrected_at TIMESTAMP NOT NULL
);
