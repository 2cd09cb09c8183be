-- A relation's columns in order, e.g. to check `articles` against the Article record.
SELECT column_name
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table
ORDER BY column_index;
