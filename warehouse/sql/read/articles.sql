-- Article records, all or the PMIDs asked for, in numeric PMID order.
SELECT *
FROM staging.article_records
WHERE $pmids::VARCHAR[] IS NULL OR pmid IN (SELECT unnest($pmids::VARCHAR[]))
ORDER BY length(pmid), pmid;
