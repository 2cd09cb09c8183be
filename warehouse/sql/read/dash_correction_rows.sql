-- Every correction a file holds (the live warehouse or the dashboard's corrections file), as
-- the rows the dashboard hands to marts.dash_pending_corrections, oldest first.
SELECT
    correction_id, pmid, field, CAST(old_value AS VARCHAR) AS old_value,
    CAST(new_value AS VARCHAR) AS new_value, reviewer, reason, corrected_at
FROM label_corrections
ORDER BY corrected_at, correction_id;
