-- Time limits: the clocks of each case, the calendar years administrators load, supervisors, and what the worker
-- records on the notifications it raises for milestones.

ALTER TABLE handlers ADD COLUMN role text NOT NULL DEFAULT 'Handler';
CREATE INDEX handlers_supervisors ON handlers (unit_id) WHERE role = 'Supervisor' AND active;

-- Calendar years loaded at run time; they extend (or replace years of) the calendar shipped in the release.
CREATE TABLE calendar_years (
    year       integer PRIMARY KEY,
    document   text NOT NULL,
    loaded_at  timestamptz NOT NULL,
    loaded_by  text NOT NULL
);

-- One row per (case, clock). The due time lives here, not in a scheduler: the worker finds what needs attention
-- with one indexed range scan on next_action_at, so its cost follows the number of clocks due, not of open cases.
CREATE TABLE case_clocks (
    complaint_id      uuid NOT NULL REFERENCES complaints (id),
    clock             text NOT NULL,            -- Dispatch | FirstContact | Reply | Callback
    round             integer NOT NULL,
    started_at        timestamptz NOT NULL,
    due_at            timestamptz NOT NULL,
    limit_text        text NOT NULL,
    calendar_covered  boolean NOT NULL,
    suspended_at      timestamptz,
    pauses            jsonb NOT NULL DEFAULT '[]',  -- completed pauses [{"from": ..., "to": ...}]
    stopped_at        timestamptz,
    breached_at       timestamptz,              -- recorded once by the worker: the due time the clock ran past
    escalation_level  integer NOT NULL DEFAULT 0,
    -- When the worker must look at this clock next; NULL when stopped, suspended or past its last milestone.
    next_action_at    timestamptz,
    enforced_at       timestamptz,                -- when the worker last acted on this clock
    PRIMARY KEY (complaint_id, clock)
);
CREATE INDEX case_clocks_next_action ON case_clocks (next_action_at) WHERE next_action_at IS NOT NULL;
CREATE INDEX case_clocks_open_due ON case_clocks (due_at) WHERE stopped_at IS NULL;

ALTER TABLE notifications
    ADD COLUMN clock text NOT NULL DEFAULT '',
    ADD COLUMN milestone text NOT NULL DEFAULT '',
    ADD COLUMN milestone_at timestamptz,
    ADD COLUMN late boolean NOT NULL DEFAULT false;

-- History events may now come from the worker too (breach, escalation), so their sequence is the case's own counter.
ALTER TABLE complaints ADD COLUMN history_length integer NOT NULL DEFAULT 0;
UPDATE complaints c SET history_length = (SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id);
