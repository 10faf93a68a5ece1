-- The complaint taxonomy as data (投诉分类): versions administrators load, and the version each case was filed under.
-- Version 1 is shipped in the release (the contract's enums) and has no row here, as shipped calendar years have none.

CREATE TABLE taxonomy_versions (
    version       integer PRIMARY KEY CHECK (version > 1),
    document      jsonb NOT NULL,          -- source, categories and sub-categories; never changed once stored
    effective_at  timestamptz NOT NULL,    -- new cases are filed under the newest version in effect
    loaded_at     timestamptz NOT NULL,
    loaded_by     text NOT NULL
);

-- Every existing case was filed under the shipped version: a constant default, so adding the column rewrites no row.
ALTER TABLE complaints ADD COLUMN taxonomy_version integer NOT NULL DEFAULT 1;
-- The codes a case was filed under and its sub-category's name in that version. NULL on cases from before versions:
-- their codes are the category and sub_category columns (the shipped codes are the enum names) and their names the
-- shipped ones. For a loaded-only value category / sub_category hold 'Unspecified' and only the code carries it.
ALTER TABLE complaints ADD COLUMN category_code text;
ALTER TABLE complaints ADD COLUMN sub_category_code text;
ALTER TABLE complaints ADD COLUMN sub_category_name text;
-- ListComplaints' sub_category_codes filter, newest first, across old and new cases alike.
CREATE INDEX complaints_sub_category_code ON complaints ((COALESCE(sub_category_code, sub_category)), id);
