-- Title and abstract of every live article, for the text search to check the few studies its
-- index cannot settle alone (filtering by pmid reads the text of those rows only).
CREATE OR REPLACE VIEW marts.dash_search_article_text AS
WITH final AS (
    SELECT pmid, coalesce(title, '') AS title, coalesce(abstract, '') AS abstract
    FROM articles
    WHERE NOT deleted
)

SELECT * FROM final;
