-- The organisation tree, handlers, complaint cases, their append-only history and the notification outbox.
-- Enum-valued columns hold the contract enum's C# name (e.g. 'Phone95598'), readable in SQL reports.

CREATE TABLE units (
    unit_id         text PRIMARY KEY,
    name            text NOT NULL,
    level           text NOT NULL,
    parent_unit_id  text REFERENCES units (unit_id),
    -- Materialised path '/province/city/.../unit_id/' so a subtree is one indexed prefix match.
    path            text NOT NULL UNIQUE,
    time_zone       text NOT NULL DEFAULT 'Asia/Shanghai',
    customer_count  bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL
);
CREATE INDEX units_path_prefix ON units (path text_pattern_ops);

CREATE TABLE handlers (
    handler_id  text PRIMARY KEY,
    unit_id     text NOT NULL REFERENCES units (unit_id),
    name        text NOT NULL,
    email       text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL
);
CREATE INDEX handlers_unit ON handlers (unit_id);

-- Case numbers are allocated from a sequence: unique, never reused; a retried or failed submit leaves a gap.
CREATE SEQUENCE case_number_seq;

CREATE TABLE complaints (
    id                       uuid PRIMARY KEY,          -- UUIDv7: time-ordered, so keyset pages by id
    case_number              text NOT NULL UNIQUE,
    request_id               text NOT NULL UNIQUE,      -- the intake system's idempotency key
    request_hash             bytea NOT NULL,            -- SHA-256 of the submitted message, to tell a retry from a reuse
    channel                  text NOT NULL,
    request_kind             text NOT NULL,
    category                 text NOT NULL,
    sub_category             text NOT NULL,
    level                    text NOT NULL,
    skip_level               boolean NOT NULL,
    skip_level_reason        text NOT NULL,
    confidential             boolean NOT NULL,
    customer_account_number  text NOT NULL,
    customer_name            text NOT NULL,
    customer_phone           text NOT NULL,
    customer_address         text NOT NULL,
    customer_class           text NOT NULL,
    site_class               text NOT NULL,
    supply_unit              text NOT NULL,
    substation               text NOT NULL,
    feeder                   text NOT NULL,
    transformer_area         text NOT NULL,
    description              text NOT NULL,
    received_at              timestamptz NOT NULL,
    created_at               timestamptz NOT NULL,
    status                   text NOT NULL,
    unit_id                  text REFERENCES units (unit_id),
    handler_id               text REFERENCES handlers (handler_id),
    suspended_from           text NOT NULL DEFAULT 'Unspecified',
    first_contact_at         timestamptz,
    reply_at                 timestamptz,
    closed_at                timestamptz,
    reopen_count             integer NOT NULL DEFAULT 0,
    callback_score           integer NOT NULL DEFAULT 0,
    substantiation           text NOT NULL DEFAULT 'Unspecified',
    version                  integer NOT NULL DEFAULT 1,  -- the etag
    updated_at               timestamptz NOT NULL
);
CREATE INDEX complaints_unit ON complaints (unit_id, id);
CREATE INDEX complaints_handler ON complaints (handler_id, id);
CREATE INDEX complaints_status ON complaints (status, id);
CREATE INDEX complaints_account ON complaints (customer_account_number, id) WHERE customer_account_number <> '';
CREATE INDEX complaints_received ON complaints (received_at);

CREATE TABLE complaint_events (
    complaint_id  uuid NOT NULL REFERENCES complaints (id),
    sequence      bigint NOT NULL,
    occurred_at   timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    from_status   text NOT NULL,
    to_status     text NOT NULL,
    details       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (complaint_id, sequence)
);

-- The history is evidence in staff assessments: the database itself refuses to change or delete it.
CREATE FUNCTION complaint_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'complaint_events is append-only';
END $$;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE OR DELETE ON complaint_events
    FOR EACH ROW EXECUTE FUNCTION complaint_events_append_only();

-- Outbox: a notification is written in the same transaction as the change that causes it, then delivered by the
-- worker. dedup_key makes every (case, reason, milestone, recipient) produce one row however often it is attempted.
CREATE TABLE notifications (
    id             uuid PRIMARY KEY,
    dedup_key      text NOT NULL UNIQUE,
    handler_id     text NOT NULL REFERENCES handlers (handler_id),
    kind           text NOT NULL,
    complaint_id   uuid NOT NULL REFERENCES complaints (id),
    text           text NOT NULL,
    created_at     timestamptz NOT NULL,
    -- Not handed to any channel before this instant (quiet hours hold reminders until morning).
    deliver_after  timestamptz NOT NULL,
    -- When the worker created this notification's deliveries, one per channel configured for the recipient.
    fanned_out_at  timestamptz
);
CREATE INDEX notifications_to_fan_out ON notifications (deliver_after) WHERE fanned_out_at IS NULL;

-- One row per (notification, channel): each channel is delivered, retried and reported on its own.
CREATE TABLE notification_deliveries (
    notification_id  uuid NOT NULL REFERENCES notifications (id),
    channel          text NOT NULL,
    handler_id       text NOT NULL,  -- the recipient again, for the inbox index
    created_at       timestamptz NOT NULL,
    enqueued_at      timestamptz,    -- last handed to Hangfire
    delivered_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_pending ON notification_deliveries (created_at) WHERE delivered_at IS NULL;
CREATE INDEX notification_deliveries_inbox ON notification_deliveries (handler_id, notification_id)
    WHERE channel = 'Inbox' AND delivered_at IS NOT NULL;
