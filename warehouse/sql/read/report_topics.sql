-- Live records per topic query, for the run summary.
SELECT topic, sum(n)::BIGINT AS records
FROM marts.topic_counts_by_year
GROUP BY topic
ORDER BY topic
