-- Match the imported Retraction Watch records to the live articles afresh.
DELETE FROM retraction_watch_matches;
INSERT INTO retraction_watch_matches (pmid, record_id, matched_by)
SELECT pmid, record_id, matched_by FROM staging.retraction_watch_candidates;
