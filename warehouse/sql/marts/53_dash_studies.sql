-- The on-topic studies the dashboards list: live articles whose drug is not `not_studied`
-- (unlabelled records stay, their labels null), with the columns the pages filter and show.
-- design_rank orders designs as TAXONOMY.md ranks them (1 = meta-analysis, strongest);
-- design_group is the evidence map's split: meta_analysis, rct or other.
CREATE OR REPLACE VIEW marts.dash_studies AS
WITH articles AS (
    SELECT
        pmid, title, abstract, journal, journal_abbrev, year, doi, conditions, outcomes,
        finding, design, drug, routes, sample_size, key_finding, retracted, concern,
        model_version, corrected_fields
    FROM marts.dash_articles
),

on_topic AS (
    SELECT * FROM articles WHERE drug IS DISTINCT FROM 'not_studied'
),

final AS (
    SELECT
        *,
        CASE design
            WHEN 'meta_analysis' THEN 1
            WHEN 'rct' THEN 2
            WHEN 'nonrandomized_trial' THEN 3
            WHEN 'observational' THEN 4
            WHEN 'case_report' THEN 5
            WHEN 'preclinical' THEN 6
            WHEN 'review' THEN 7
            WHEN 'other' THEN 8
        END AS design_rank,
        CASE
            WHEN design = 'meta_analysis' THEN 'meta_analysis'
            WHEN design = 'rct' THEN 'rct'
            ELSE 'other'
        END AS design_group,
        drug IS NOT NULL AS is_labelled
    FROM on_topic
)

SELECT * FROM final;
