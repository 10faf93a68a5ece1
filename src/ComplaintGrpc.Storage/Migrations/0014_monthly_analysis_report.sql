-- The monthly complaint analysis report (投诉分析报告): one stored report per month, like the nightly backlog report.

-- One row per month (its first day): a replacing run updates the row in place (generation + 1), so a month never has
-- two reports; a run that is not replacing stores nothing when the row exists.
CREATE TABLE analysis_reports (
    month          date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    period_start   timestamptz NOT NULL,            -- 00:00 local of the first day
    cut_off        timestamptz NOT NULL,            -- 00:00 local of the next month's first day
    time_zone      text NOT NULL,
    figures_proto  bytea NOT NULL,                  -- complaints.v1.AnalysisReport (binary protobuf, without summary)
    generated_at   timestamptz NOT NULL,
    generation     integer NOT NULL DEFAULT 1,
    trigger        text NOT NULL,                   -- Schedule | Administrator
    requested_by   text NOT NULL,
    duration_ms    integer NOT NULL,
    run_id         uuid NOT NULL
);

-- The runs of both reports share the audit table; report_date is the month's first day for a monthly run.
ALTER TABLE report_runs ADD COLUMN kind text NOT NULL DEFAULT 'Backlog' CHECK (kind IN ('Backlog', 'Monthly'));

-- Indexes from EXPLAIN (ANALYZE, BUFFERS) of the report's two statements at 1M cases (2 years, ~42k received and ~35k
-- closed a month; ops/README.md "Monthly analysis report"), warm cache, busy 2-core machine:
-- received in the three months: bitmap heap scans of complaints_received (422 ms) became index-only scans (273 ms).
-- Same leading key as complaints_received, which it replaces, so a submit maintains no more indexes than before.
CREATE INDEX complaints_received_analysis ON complaints (received_at) INCLUDE (category, sub_category, channel, unit_id);
DROP INDEX IF EXISTS complaints_received;
-- Closing events by time, index-only: the (action, occurred_at) index was passed over for a parallel sequential scan of
-- every event (the three ranges joined to a VALUES list); one range per period over this small partial index instead.
CREATE INDEX complaint_events_closing ON complaint_events (occurred_at) INCLUDE (complaint_id)
    WHERE to_status = 'Closed' AND action IN ('Closed', 'ClosureApproved');
-- The finding in force at a cut-off (latest version recorded before it), read index-only for each closed case.
CREATE INDEX case_findings_in_force ON case_findings (complaint_id, version) INCLUDE (outcome, recorded_at);
