-- Live articles as the dashboards show them: marts.articles_current, whose correction overlay
-- (staging.label_corrections_latest) already holds the dashboard's pending corrections, so a
-- reviewer sees a correction at once, before the nightly job has merged it. All topics,
-- off-topic included.
CREATE OR REPLACE VIEW marts.dash_articles AS
WITH final AS (
    SELECT * FROM marts.articles_current
)

SELECT * FROM final;
