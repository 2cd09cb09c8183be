-- One trained classifier version with its report; retraining the same data replaces the row.
INSERT OR REPLACE INTO model_versions (version, trained_at, report)
VALUES ($version, $trained_at, $report::JSON);
