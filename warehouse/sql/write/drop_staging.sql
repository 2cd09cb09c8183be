-- Free the load's temporary tables; they hold a copy of every record of the run.
DROP TABLE IF EXISTS stage_articles;
DROP TABLE IF EXISTS article_plan;
