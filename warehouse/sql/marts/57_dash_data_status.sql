-- One row saying what the data shown holds and how fresh it is, for the pipeline page
-- (labels with every correction applied, pending ones included).
CREATE OR REPLACE VIEW marts.dash_data_status AS
WITH completed AS (
    SELECT max(finished_at) AS last_completed_at, max(window_end) AS last_window_end
    FROM runs
    WHERE status = 'completed'
),

marks AS (
    SELECT max(until) AS watermark FROM watermark
),

counts AS (
    SELECT
        count(*) AS live_articles,
        count(*) FILTER (WHERE model_version IS NOT NULL) AS labelled_articles,
        count(*) FILTER (WHERE drug IS DISTINCT FROM 'not_studied') AS on_topic_articles,
        count(*) FILTER (WHERE retracted OR concern) AS flagged_articles
    FROM marts.dash_articles
),

merged AS (
    SELECT count(*) AS merged_corrections FROM label_corrections
),

final AS (
    SELECT * FROM completed, marks, counts, merged
)

SELECT * FROM final;
