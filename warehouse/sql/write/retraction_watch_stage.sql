-- An empty temporary table shaped like raw.retraction_watch, for the import's rows in bulk.
CREATE OR REPLACE TEMP TABLE stage_retraction_watch AS
SELECT * FROM raw.retraction_watch LIMIT 0;
