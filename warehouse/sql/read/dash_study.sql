-- One live article as the study page shows it, any topic, corrections applied.
SELECT * FROM marts.dash_articles WHERE pmid = $pmid::VARCHAR;
