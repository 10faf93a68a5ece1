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
