-- The support table holds the last run's view of every claim only.
DELETE FROM claim_support;
