-- The text the studies search looks in: title and abstract of the live articles the lists can
-- show, i.e. not off-topic by their stored drug, or corrected (a correction may bring one on
-- topic); the list applies the final topic filter. Leaving off-topic records out before their
-- abstracts are read makes the search several times faster. (`articles` is named twice
-- rather than through a CTE, which DuckDB would materialise, abstracts and all.)
CREATE OR REPLACE VIEW marts.dash_search_text AS
WITH corrected AS (
    SELECT pmid FROM label_corrections
    UNION
    SELECT pmid FROM marts.dash_pending_corrections
),

candidates AS (
    SELECT pmid, title, abstract
    FROM articles
    WHERE NOT deleted AND drug IS DISTINCT FROM 'not_studied'
    UNION ALL
    SELECT pmid, title, abstract
    FROM articles
    WHERE NOT deleted AND drug = 'not_studied' AND pmid IN (SELECT pmid FROM corrected)
),

final AS (
    SELECT pmid, coalesce(title, '') AS title, coalesce(abstract, '') AS abstract
    FROM candidates
)

SELECT * FROM final;
