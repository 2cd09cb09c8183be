-- Each claim as the last nightly run left it: the director's decisions applied, and the
-- support its evidence gives it (pipelines/claims.py's rules). Replaced after every run.
CREATE TABLE IF NOT EXISTS claim_support (
    claim_id VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    computed_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,
    wording VARCHAR NOT NULL,
    page VARCHAR,
    cited_pmids VARCHAR[] NOT NULL,
    grade VARCHAR,
    support VARCHAR NOT NULL,
    cebm_level VARCHAR,
    counts_by_design JSON NOT NULL,
    findings JSON NOT NULL,
    participants INTEGER NOT NULL,
    strongest VARCHAR[] NOT NULL,
    newest VARCHAR[] NOT NULL,
    recommended VARCHAR[] NOT NULL,
    retracted VARCHAR[] NOT NULL
);

-- Support per claim per run, for the trend and for status-change alerts.
CREATE TABLE IF NOT EXISTS claim_support_history (
    run_id VARCHAR NOT NULL,
    claim_id VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    support VARCHAR NOT NULL,
    studies INTEGER NOT NULL,
    PRIMARY KEY (run_id, claim_id)
);

-- What the last watch saw of each claim: the PMIDs matching its query and its status.
CREATE TABLE IF NOT EXISTS claim_watch (
    claim_id VARCHAR PRIMARY KEY,
    seen VARCHAR[] NOT NULL,
    support VARCHAR,
    watched_at TIMESTAMP NOT NULL
);

-- Alerts for approved claims: stored once (alert_id is stable per event), sent through the
-- configured channel (sent_at), shown on the Claims page until acknowledged.
CREATE TABLE IF NOT EXISTS claim_alerts (
    alert_id VARCHAR PRIMARY KEY,
    claim_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    pmid VARCHAR,
    detail VARCHAR NOT NULL,
    run_id VARCHAR,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    send_error VARCHAR,
    acknowledged_by VARCHAR,
    acknowledged_at TIMESTAMP,
    ack_note VARCHAR
);
