-- Trained classifier versions, newest first, with how many live articles carry each one's
-- labels (the seed labels and unlabelled records appear with trained_at null).
CREATE OR REPLACE VIEW marts.dash_model_versions AS
WITH trained AS (
    SELECT version, trained_at, report FROM model_versions
),

in_use AS (
    SELECT model_version AS version, count(*) AS articles
    FROM articles
    WHERE NOT deleted
    GROUP BY model_version
),

final AS (
    SELECT
        coalesce(t.version, u.version) AS version,
        t.trained_at,
        t.report,
        coalesce(u.articles, 0) AS articles
    FROM trained AS t
    FULL OUTER JOIN in_use AS u USING (version)
)

SELECT * FROM final;
