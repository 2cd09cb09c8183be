-- An empty temporary table shaped like an Article record; the loader appends the run's
-- records into it in bulk before merging them.
CREATE OR REPLACE TEMP TABLE stage_articles AS
SELECT * FROM staging.article_records LIMIT 0;
