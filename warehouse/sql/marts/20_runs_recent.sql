-- The last 100 ingestion runs, newest first, for the pipeline health page.
CREATE OR REPLACE VIEW marts.runs_recent AS
WITH final AS (
    SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 100
)

SELECT * FROM final;
