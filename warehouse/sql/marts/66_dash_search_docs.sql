-- The studies the text search index covers, numbered (see raw/98_search_index.sql).
CREATE OR REPLACE VIEW marts.dash_search_docs AS
WITH final AS (
    SELECT doc, pmid FROM search_docs
)

SELECT * FROM final;
