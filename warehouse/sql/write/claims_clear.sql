-- The registry is the source of the claims table: cleared and refilled at each sync.
DELETE FROM claims;
