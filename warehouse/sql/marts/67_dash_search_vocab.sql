-- Every token of the indexed titles and abstracts, lower-cased (see raw/98_search_index.sql).
CREATE OR REPLACE VIEW marts.dash_search_vocab AS
WITH final AS (
    SELECT term_id, term FROM search_vocab
)

SELECT * FROM final;
