-- Live articles per topic query and publication year (year null where PubMed gives none).
CREATE OR REPLACE VIEW marts.topic_counts_by_year AS
WITH matches AS (
    SELECT pmid, topic FROM query_matches
),

live AS (
    SELECT pmid, year FROM articles WHERE NOT deleted
),

final AS (
    SELECT m.topic, a.year, count(DISTINCT m.pmid) AS n
    FROM matches AS m
    JOIN live AS a USING (pmid)
    GROUP BY m.topic, a.year
    ORDER BY m.topic, a.year
)

SELECT * FROM final;
