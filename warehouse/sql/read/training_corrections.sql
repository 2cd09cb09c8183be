-- The reviewers' word per (pmid, field), for the next training run: the latest correction wins.
SELECT pmid, field, new_value::VARCHAR AS new_value
FROM staging.label_corrections_latest
ORDER BY length(pmid), pmid, field;
