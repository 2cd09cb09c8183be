-- Classifier versions (trained ones first) and the live articles labelled by each.
SELECT version, trained_at, CAST(report AS VARCHAR) AS report, articles
FROM marts.dash_model_versions
ORDER BY trained_at DESC NULLS LAST, articles DESC, version;
