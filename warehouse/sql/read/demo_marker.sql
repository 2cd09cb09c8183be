SELECT note FROM demo_marker ORDER BY marked_at LIMIT 1;
