-- Full records of some live studies (a claim's recommended citations), corrections applied.
SELECT * FROM marts.dash_articles WHERE list_contains($pmids::VARCHAR[], pmid);
