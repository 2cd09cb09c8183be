-- How many alerts are stored.
SELECT count(*) FROM claim_alerts;
