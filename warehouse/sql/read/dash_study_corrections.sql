-- The corrections of one article, newest first.
SELECT
    correction_id, field, old_value, new_value, reviewer, reason, corrected_at, is_pending,
    is_in_effect
FROM marts.dash_corrections
WHERE pmid = $pmid::VARCHAR
ORDER BY corrected_at DESC, correction_id DESC;
