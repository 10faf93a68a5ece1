-- The typical-case library (典型案例库): closed cases promoted as training material. An entry holds no customer data:
-- its texts are checked against the case's customer before they are stored, and no customer column is copied.

CREATE TABLE library_cases (
    id                uuid PRIMARY KEY,                          -- UUIDv7: keyset pages by id
    complaint_id      uuid NOT NULL UNIQUE REFERENCES complaints (id), -- promoting a case twice is refused
    case_number       text NOT NULL,
    category          text NOT NULL,
    sub_category      text NOT NULL,
    unit_id           text NOT NULL REFERENCES units (unit_id),
    post_id           text REFERENCES posts (post_id),           -- the finding's responsible post, when it names one
    closed_on         date NOT NULL,                             -- the unit's local date
    summary           text NOT NULL,
    actions_taken     text NOT NULL,
    should_have_done  text NOT NULL,
    promoted_at       timestamptz NOT NULL,
    promoted_by       text NOT NULL,
    retired_at        timestamptz,
    retired_by        text,
    retire_reason     text NOT NULL DEFAULT '',
    version           integer NOT NULL DEFAULT 1
);
CREATE INDEX library_cases_post ON library_cases (post_id, id) WHERE retired_at IS NULL;
CREATE INDEX library_cases_sub_category ON library_cases (sub_category, id);

-- The root causes of the case's finding as they stood at promotion (codes only: the investigators' notes are free
-- text and may name the customer).
CREATE TABLE library_case_causes (
    library_case_id  uuid NOT NULL REFERENCES library_cases (id),
    cause_code       text NOT NULL REFERENCES root_causes (code),
    PRIMARY KEY (library_case_id, cause_code)
);
CREATE INDEX library_case_causes_code ON library_case_causes (cause_code, library_case_id);
