-- What the last watch saw of each claim.
SELECT claim_id, seen, support FROM claim_watch;
