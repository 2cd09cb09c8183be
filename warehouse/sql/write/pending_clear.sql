-- The nightly load replaces the owed PMIDs with its own account of them.
DELETE FROM pending_pmids;
