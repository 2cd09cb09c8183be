-- Layers: raw (kept as received), staging (cleaned views), marts (what dashboards read).
-- The loaded tables (articles, runs, ...) are the layer below staging too, but live in the
-- main schema so that `articles` keeps its plain name; their files sit here, in raw/, because
-- they are applied first. Timestamps are UTC, stored as TIMESTAMP (no zone).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;
