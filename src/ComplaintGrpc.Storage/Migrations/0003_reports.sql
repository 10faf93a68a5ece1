-- The overnight backlog report: one stored report per report date, the runs that computed them, and the indexes the
-- report's set-based queries need so that their cost follows the open backlog and the day's activity, not the whole
-- history of cases.

-- One row per report date: a rerun replaces the figures in place (generation + 1), so a date never has two reports.
CREATE TABLE reports (
    report_date       date PRIMARY KEY,
    cut_off           timestamptz NOT NULL,            -- 24:00 local time of report_date
    time_zone         text NOT NULL,
    figures           jsonb NOT NULL,                  -- complaints.v1.BacklogReport in protobuf JSON: every output renders from it
    generated_at      timestamptz NOT NULL,
    generation        integer NOT NULL DEFAULT 1,
    trigger           text NOT NULL,                   -- Schedule | Administrator
    requested_by      text NOT NULL,
    duration_ms       integer NOT NULL,
    calendar_covered  boolean NOT NULL
);

-- Every computation, including those that replaced an earlier one: the audit of who ran what, and the evidence that
-- a cron firing ran on exactly one worker (scheduled_for is the Quartz firing it came from).
CREATE TABLE report_runs (
    run_id         uuid PRIMARY KEY,
    report_date    date NOT NULL,
    trigger        text NOT NULL,
    requested_by   text NOT NULL,
    scheduled_for  timestamptz,
    node           text NOT NULL,
    requested_at   timestamptz NOT NULL,
    finished_at    timestamptz,
    error          text
);
CREATE INDEX report_runs_date ON report_runs (report_date, requested_at);

-- Open cases are the report's main input: a partial index keeps that set small however many closed cases pile up.
CREATE INDEX complaints_open_received ON complaints (received_at) WHERE status <> 'Closed';
-- Cases changed since a cut-off need their status at the cut-off replayed from history; the rest are read as stored.
CREATE INDEX complaints_updated ON complaints (updated_at);
-- The day's flow counts events of a few actions in a time range.
CREATE INDEX complaint_events_action_time ON complaint_events (action, occurred_at);
