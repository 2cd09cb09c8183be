-- Move the feed's watermark to the loaded window's end, never backwards.
INSERT INTO watermark (name, until, run_id, updated_at)
VALUES ($name, $until, $run_id, $now)
ON CONFLICT (name) DO UPDATE SET
    until = greatest(watermark.until, excluded.until),
    run_id = excluded.run_id,
    updated_at = excluded.updated_at;
