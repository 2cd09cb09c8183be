-- Append one reviewer correction to the dashboard's corrections file.
INSERT INTO label_corrections (
    correction_id, pmid, field, old_value, new_value, reviewer, reason, corrected_at
)
VALUES (
    $correction_id, $pmid, $field, CAST($old_value AS JSON), CAST($new_value AS JSON),
    $reviewer, $reason, $corrected_at
);
