-- Rectification (整改): items opened from a hotspot or from substantiated cases, each with its own clock and, after
-- completion, its evaluation (评估) by results.

-- Notifications about no single case (rectification reminders and escalations).
ALTER TABLE notifications ALTER COLUMN complaint_id DROP NOT NULL;

-- One row per rectification. Its clock lives in the row (next_action_at, indexed like case_clocks.next_action_at):
-- the worker finds due milestones with one range scan, whatever the number of open rectifications.
CREATE TABLE rectifications (
    id                        uuid PRIMARY KEY,              -- UUIDv7: keyset pages by id
    request_id                text NOT NULL UNIQUE,          -- the caller's idempotency key
    request_hash              bytea NOT NULL,
    owner_unit_id             text NOT NULL REFERENCES units (unit_id),
    plan                      text NOT NULL,
    due_date                  date NOT NULL,                 -- the owner unit's local date
    due_at                    timestamptz NOT NULL,          -- 24:00 local of due_date
    target_reduction_percent  integer NOT NULL CHECK (target_reduction_percent BETWEEN 1 AND 100),
    evaluation_days           integer NOT NULL CHECK (evaluation_days BETWEEN 1 AND 366),
    scope_unit_id             text NOT NULL REFERENCES units (unit_id),
    scope_substations         text[] NOT NULL DEFAULT '{}',
    scope_feeders             text[] NOT NULL DEFAULT '{}',
    scope_transformer_areas   text[] NOT NULL DEFAULT '{}',
    scope_categories          text[] NOT NULL DEFAULT '{}',
    scope_sub_categories      text[] NOT NULL DEFAULT '{}',
    hotspot_grain             text,                          -- set when opened from a hotspot: grain, key, unit
    hotspot_key               text,
    hotspot_unit_id           text,
    status                    text NOT NULL CHECK (status IN ('Open', 'Completed', 'Met', 'NotMet', 'Cancelled')),
    opened_at                 timestamptz NOT NULL,
    opened_by                 text NOT NULL,
    completed_at              timestamptz,
    completed_by              text,
    completion_note           text NOT NULL DEFAULT '',
    cancelled_at              timestamptz,
    cancelled_by              text,
    cancel_reason             text NOT NULL DEFAULT '',
    -- The clock: a new due date starts a new round (its milestones are raised afresh).
    clock_round               integer NOT NULL DEFAULT 1,
    breached_at               timestamptz,
    escalation_level          integer NOT NULL DEFAULT 0,
    enforced_at               timestamptz,
    next_action_at            timestamptz,
    -- The evaluation: due at completed_at + evaluation_days; its figures once done.
    evaluate_at               timestamptz,
    before_count              integer,
    after_count               integer,
    customer_count            bigint,
    evaluated_at              timestamptz,
    version                   integer NOT NULL DEFAULT 1,    -- the etag
    updated_at                timestamptz NOT NULL
);
CREATE INDEX rectifications_next_action ON rectifications (next_action_at) WHERE next_action_at IS NOT NULL;
CREATE INDEX rectifications_to_evaluate ON rectifications (evaluate_at) WHERE status = 'Completed';
CREATE INDEX rectifications_owner ON rectifications (owner_unit_id, id);
CREATE INDEX rectifications_open_due ON rectifications (due_at) WHERE status = 'Open';
CREATE INDEX rectifications_evaluated ON rectifications (evaluated_at) WHERE evaluated_at IS NOT NULL;

CREATE TABLE rectification_cases (
    rectification_id  uuid NOT NULL REFERENCES rectifications (id),
    complaint_id      uuid NOT NULL REFERENCES complaints (id),
    PRIMARY KEY (rectification_id, complaint_id)
);
CREATE INDEX rectification_cases_complaint ON rectification_cases (complaint_id);

ALTER TABLE notifications ADD COLUMN rectification_id uuid REFERENCES rectifications (id);
