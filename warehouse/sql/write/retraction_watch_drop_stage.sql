DROP TABLE IF EXISTS stage_retraction_watch;
