-- Live records per publication year (any topic), for the run summary.
SELECT a.year, count(*) AS records
FROM marts.articles_current AS a
GROUP BY a.year
ORDER BY a.year NULLS FIRST
