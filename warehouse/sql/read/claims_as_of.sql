-- When the evidence behind the claims was last loaded: the last completed run.
SELECT max(finished_at) AS as_of FROM runs WHERE status = 'completed';
