-- Every live study matching each claim's evidence query, reviewer corrections applied.
CREATE OR REPLACE VIEW marts.claim_evidence AS
WITH claim_queries AS (
    SELECT * FROM claims
),

studies AS (
    SELECT * FROM marts.articles_current
    WHERE design IS NOT NULL AND drug IS NOT NULL AND drug <> 'not_studied'
),

final AS (
    SELECT
        c.claim_id,
        s.pmid,
        s.design,
        s.finding,
        s.sample_size,
        s.year,
        s.entry_date,
        s.retracted,
        s.concern,
        s.title,
        s.journal,
        s.doi
    FROM claim_queries AS c
    INNER JOIN studies AS s
        ON list_contains(c.drugs, s.drug)
        AND list_contains(c.designs, s.design)
        AND (len(c.conditions) = 0 OR list_has_any(s.conditions, c.conditions))
        AND (len(c.outcomes) = 0 OR list_has_any(s.outcomes, c.outcomes))
        AND (len(c.routes) = 0 OR list_has_any(s.routes, c.routes))
        AND (
            c.terms_pattern IS NULL
            OR regexp_matches(
                coalesce(s.title, '') || ' ' || coalesce(s.abstract, ''), c.terms_pattern, 'i'
            )
        )
)

SELECT * FROM final;
