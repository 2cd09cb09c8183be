-- The text search's inverted index over title and abstract (warehouse/search_index.py): filled
-- in each published snapshot when it is made, left empty in the live file. search_docs numbers
-- the searchable studies (those of marts.dash_search_text at publish time); search_vocab holds
-- every distinct token (term_id > 0) and punctuated white-space chunk (term_id < 0) of their
-- lower-cased title and abstract; search_postings lists, per entry, the studies holding it,
-- sorted so that one entry's rows sit in one or two row groups.
CREATE TABLE IF NOT EXISTS search_docs (
    doc INTEGER NOT NULL,
    pmid VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS search_vocab (
    term_id INTEGER NOT NULL,
    term VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS search_postings (
    term_id INTEGER NOT NULL,
    doc INTEGER NOT NULL
);
