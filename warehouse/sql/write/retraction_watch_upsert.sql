-- Store the staged records: a record already imported is replaced by its newer row.
INSERT OR REPLACE INTO raw.retraction_watch BY NAME
SELECT * FROM stage_retraction_watch;
