-- Drop the relabelling stage once its labels are merged.
DROP TABLE IF EXISTS stage_labels;
