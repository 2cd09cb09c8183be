-- A reviewer's correction of one label of one article; loads never touch this table. The
-- dashboard's own corrections file holds the same table (it runs this file too) until the
-- nightly job, or the app when the warehouse is free, merges it; its ids come from the app.
-- new_value is JSON in the label's own shape (a list, a string, a number or null); the
-- latest correction per (pmid, field) wins, correction_id breaking ties.
CREATE SEQUENCE IF NOT EXISTS label_corrections_id;
CREATE TABLE IF NOT EXISTS label_corrections (
    correction_id BIGINT PRIMARY KEY DEFAULT nextval('label_corrections_id'),
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
