-- Each trained classifier version with its evaluation report.
CREATE TABLE IF NOT EXISTS model_versions (
    version VARCHAR PRIMARY KEY,
    trained_at TIMESTAMP NOT NULL,
    report JSON
);
