-- Who submitted each case (the authenticated intake system), so an intake system reads back only its own cases and
-- two intake systems can never collide on each other's idempotency keys.
ALTER TABLE complaints ADD COLUMN submitted_by text NOT NULL DEFAULT '';
ALTER TABLE complaints DROP CONSTRAINT complaints_request_id_key;
ALTER TABLE complaints ADD CONSTRAINT complaints_submitter_request_id_key UNIQUE (submitted_by, request_id);
CREATE INDEX complaints_submitted_by ON complaints (submitted_by, id);
