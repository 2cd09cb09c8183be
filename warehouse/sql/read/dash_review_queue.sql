-- The studies with labels still open for review, for the review queue (labels/review_queue.py
-- ranks them), with the confidences and what people have settled.
SELECT
    pmid, title, drug, confidence, needs_review, corrected_fields, open_review, judged_claims
FROM marts.dash_review_status
WHERE len(open_review) > 0
ORDER BY pmid;
