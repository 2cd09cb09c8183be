-- The text the studies search looks in: each live article's title and abstract. Labels play
-- no part, so corrections do not either; the list applies the topic filter afterwards.
CREATE OR REPLACE VIEW marts.dash_search_text AS
WITH live AS (
    SELECT pmid, title, abstract FROM articles WHERE NOT deleted
),

final AS (
    SELECT pmid, coalesce(title, '') AS title, coalesce(abstract, '') AS abstract
    FROM live
)

SELECT * FROM final;
