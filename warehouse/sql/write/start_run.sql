INSERT INTO runs (run_id, flow_run_id, window_start, window_end, started_at, status)
VALUES ($run_id, $flow_run_id, $window_start, $window_end, $now, 'running');
