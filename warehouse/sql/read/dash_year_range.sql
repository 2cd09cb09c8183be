-- The publication years the on-topic studies span, for the year filter's bounds.
SELECT min(year) AS first_year, max(year) AS last_year, count(*) AS studies
FROM marts.dash_study_list;
