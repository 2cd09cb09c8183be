-- Every candidate study for each claim, reviewer corrections applied: the studies its label
-- query matches (kind and forms included), the ones a person judged for it (a judgement
-- stands whatever the labels say later) and the ones a reviewer added by hand, each with the
-- newest judgement. Support counts the judged ones only (claims/support.py).
CREATE OR REPLACE VIEW marts.claim_evidence AS
WITH claim_queries AS (
    SELECT * FROM claims
),

studies AS (
    SELECT
        *,
        CASE
            WHEN drug = 'ketamine' AND list_contains(routes, 'iv') THEN 'iv_racemic'
            WHEN drug = 'esketamine' AND list_contains(routes, 'intranasal')
                THEN 'esketamine_nasal'
            ELSE 'other'
        END AS form
    FROM marts.articles_current
    WHERE design IS NOT NULL
),

matched AS (
    SELECT c.claim_id, s.pmid
    FROM claim_queries AS c
    INNER JOIN studies AS s
        ON s.drug IS NOT NULL AND s.drug <> 'not_studied'
        AND list_contains(c.drugs, s.drug)
        AND list_contains(c.designs, s.design)
        AND (len(c.forms) = 0 OR list_contains(c.forms, s.form))
        AND (len(c.conditions) = 0 OR list_has_any(s.conditions, c.conditions))
        AND (len(c.routes) = 0 OR list_has_any(s.routes, c.routes))
    WHERE CASE
        -- a safety profile: studies reporting the effects, whatever their outcome labels
        WHEN c.kind = 'safety_profile' THEN
            (len(c.outcomes) > 0 AND list_has_any(s.outcomes, c.outcomes))
            OR (c.terms_pattern IS NOT NULL AND regexp_matches(
                coalesce(s.title, '') || ' ' || coalesce(s.abstract, ''), c.terms_pattern, 'i'
            ))
        ELSE
            (len(c.outcomes) = 0 OR list_has_any(s.outcomes, c.outcomes))
            AND (c.terms_pattern IS NULL OR regexp_matches(
                coalesce(s.title, '') || ' ' || coalesce(s.abstract, ''), c.terms_pattern, 'i'
            ))
    END
),

latest_judgement AS (
    SELECT *
    FROM claim_judgements
    QUALIFY row_number() OVER (
        PARTITION BY claim_id, pmid ORDER BY judged_at DESC, judgement_id DESC
    ) = 1
),

candidates AS (
    SELECT claim_id, pmid FROM matched
    UNION
    SELECT claim_id, pmid FROM latest_judgement
    UNION
    SELECT claim_id, pmid FROM claim_additions
),

final AS (
    SELECT
        k.claim_id,
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
        s.doi,
        s.drug,
        coalesce(s.routes, []) AS routes,
        s.form,
        s.abstract,
        m.pmid IS NOT NULL AS matched,
        ad.added_by,
        j.verdict,
        j.reviewer AS judged_by,
        j.judged_at,
        j.note
    FROM candidates AS k
    INNER JOIN claim_queries AS c USING (claim_id)
    INNER JOIN studies AS s ON s.pmid = k.pmid
    LEFT JOIN matched AS m ON m.claim_id = k.claim_id AND m.pmid = k.pmid
    LEFT JOIN claim_additions AS ad ON ad.claim_id = k.claim_id AND ad.pmid = k.pmid
    LEFT JOIN latest_judgement AS j ON j.claim_id = k.claim_id AND j.pmid = k.pmid
)

SELECT * FROM final;
