-- Fields the Article record gained after warehouses were first written: added in place, so an
-- older file opens without a reload (loads and reads go by column name). A new field goes both
-- into 20_articles.sql (new files, in the record's order) and here (old files), with a default
-- for list columns, e.g.
--   ALTER TABLE articles ADD COLUMN IF NOT EXISTS grants STRUCT(id VARCHAR, agency VARCHAR,
--       country VARCHAR)[] DEFAULT [];   (IF NOT EXISTS cannot add NOT NULL; the loader never writes NULL)
ALTER TABLE articles ADD COLUMN IF NOT EXISTS needs_review VARCHAR[] DEFAULT [];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS registry_ids VARCHAR[] DEFAULT [];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS coi_statement VARCHAR;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS grants
    STRUCT(id VARCHAR, agency VARCHAR, country VARCHAR)[] DEFAULT [];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS comments_corrections
    STRUCT(type VARCHAR, pmid VARCHAR)[] DEFAULT [];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS affiliations VARCHAR[] DEFAULT [];
