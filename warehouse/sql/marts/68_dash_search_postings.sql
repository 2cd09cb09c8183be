-- Which indexed studies hold each token (see raw/98_search_index.sql).
CREATE OR REPLACE VIEW marts.dash_search_postings AS
WITH final AS (
    SELECT term_id, doc FROM search_postings
)

SELECT * FROM final;
