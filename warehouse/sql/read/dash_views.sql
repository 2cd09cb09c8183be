-- The dashboard views a warehouse file holds, to tell a snapshot published before they existed.
SELECT view_name
FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'marts'
ORDER BY view_name;
