-- The studies a person has verified (marts.dash_review_status.is_verified), for the claims'
-- "N of M verified by a person".
SELECT pmid FROM marts.dash_review_status WHERE is_verified ORDER BY pmid;
