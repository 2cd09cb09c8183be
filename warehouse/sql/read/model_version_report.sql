-- One trained classifier version's stored report.
SELECT version, trained_at, report::VARCHAR AS report
FROM model_versions
WHERE version = $version;
