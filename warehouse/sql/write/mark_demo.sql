INSERT INTO demo_marker (marked_at, note) VALUES ($now, $note);
