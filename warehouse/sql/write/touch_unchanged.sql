-- Records delivered again without a change: only note that this run saw them.
UPDATE articles
SET last_seen_run = $run_id
WHERE pmid IN (SELECT pmid FROM article_plan WHERE NOT is_changed AND NOT is_stale);
