-- Articles exactly as Article records: the table without its load bookkeeping. The loader
-- diffs incoming records against this, and Warehouse.articles() reads it back.
CREATE OR REPLACE VIEW staging.article_records AS
SELECT * EXCLUDE (
    first_seen_run, first_seen_at, last_seen_run, changed_run, changed_at, deleted_run, deleted_at
)
FROM articles;
