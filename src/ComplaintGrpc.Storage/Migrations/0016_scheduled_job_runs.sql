-- The last run of each Quartz job, written by the worker's job listener after every firing, so that the admin port's
-- schedules page can show what the last run did and how long it took (Quartz's own qrtz_* tables keep the trigger's
-- previous and next fire times, not outcomes). One row per job, replaced by each run: a status board, not a history.
CREATE TABLE IF NOT EXISTS scheduled_job_runs (
    job_group     text NOT NULL,
    job_name      text NOT NULL,
    trigger_name  text NOT NULL,
    fired_at      timestamptz NOT NULL,
    duration_ms   bigint NOT NULL,
    succeeded     boolean NOT NULL,
    -- What the job set as its result (e.g. "120 clocks acted on"), or the failure's message.
    result        text,
    -- The Quartz instance (worker) that ran it.
    instance_id   text NOT NULL,
    PRIMARY KEY (job_group, job_name)
);
