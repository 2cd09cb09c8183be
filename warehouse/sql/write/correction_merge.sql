-- Merge reviewer corrections into the warehouse: those whose correction_id it does not hold
-- yet, so merging the same file twice changes nothing. Returns the ids inserted.
INSERT INTO label_corrections (
    correction_id, pmid, field, old_value, new_value, reviewer, reason, corrected_at
)
WITH incoming AS (
    SELECT unnest(CAST($rows AS STRUCT(
        correction_id BIGINT, pmid VARCHAR, field VARCHAR, old_value VARCHAR,
        new_value VARCHAR, reviewer VARCHAR, reason VARCHAR, corrected_at TIMESTAMP
    )[])) AS c
),

final AS (
    SELECT
        c.correction_id, c.pmid, c.field, CAST(c.old_value AS JSON),
        CAST(c.new_value AS JSON), c.reviewer, c.reason, c.corrected_at
    FROM incoming
    WHERE c.correction_id NOT IN (SELECT correction_id FROM label_corrections)
)

SELECT * FROM final
RETURNING correction_id;
