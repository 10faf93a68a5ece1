-- Evaluation (评估): departments and posts as organisation data, the configurable root-cause list, and the
-- substantiation findings of cases with their evidence, responsible party and root causes.

CREATE TABLE departments (
    department_id  text PRIMARY KEY,
    unit_id        text NOT NULL REFERENCES units (unit_id),
    name           text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX departments_unit ON departments (unit_id, department_id);

CREATE TABLE posts (
    post_id        text PRIMARY KEY,
    department_id  text NOT NULL REFERENCES departments (department_id),
    name           text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX posts_department ON posts (department_id, post_id);

-- The causes a finding may name. Seeded from the causes the source articles give; administrators add, rename and
-- retire causes (DefineRootCause). A retired cause stays valid in findings already recorded.
CREATE TABLE root_causes (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO root_causes (code, name) VALUES
    ('service_awareness', '服务意识'),
    ('skills', '业务技能'),
    ('process_regulation', '流程与制度'),
    ('publicity_notice', '宣传与告知（检修未通知）'),
    ('equipment_grid', '设备与电网（老化、过载、卡脖子线路）'),
    ('weather_external', '天气与外力破坏'),
    ('metering_billing', '计量与电费差错'),
    ('customer_side', '客户自身原因');

-- Every version of every case's finding. Append-only (like the history): a change is a new version with a reason,
-- so no finding can be changed silently. The case's finding is its latest version.
CREATE TABLE case_findings (
    complaint_id               uuid NOT NULL REFERENCES complaints (id),
    version                    integer NOT NULL,
    outcome                    text NOT NULL CHECK (outcome IN ('Substantiated', 'PartlySubstantiated', 'Unsubstantiated')),
    basis                      text NOT NULL,
    evidence                   jsonb NOT NULL DEFAULT '[]',
    investigator_id            text NOT NULL,
    investigated_at            timestamptz NOT NULL,
    responsibility_class       text,
    responsible_unit_id        text REFERENCES units (unit_id),
    responsible_department_id  text REFERENCES departments (department_id),
    responsible_post_id        text REFERENCES posts (post_id),
    responsible_staff_id       text,
    recorded_by                text NOT NULL,
    -- The unit the reviewer acted for: their token's unit, or the case's unit when their token names none. A change
    -- after close needs a supervisor above it; overturns found by quality sampling are charged to it.
    reviewer_unit_id           text REFERENCES units (unit_id),
    recorded_by_unit_id        text,
    recorded_at                timestamptz NOT NULL,
    change_reason              text NOT NULL DEFAULT '',
    PRIMARY KEY (complaint_id, version)
);
CREATE INDEX case_findings_responsible_unit ON case_findings (responsible_unit_id) WHERE responsible_unit_id IS NOT NULL;

CREATE TABLE case_finding_causes (
    complaint_id  uuid NOT NULL,
    version       integer NOT NULL,
    cause_code    text NOT NULL REFERENCES root_causes (code),
    note          text NOT NULL,
    PRIMARY KEY (complaint_id, version, cause_code),
    FOREIGN KEY (complaint_id, version) REFERENCES case_findings (complaint_id, version)
);

CREATE FUNCTION findings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER case_findings_no_update BEFORE UPDATE OR DELETE ON case_findings
    FOR EACH ROW EXECUTE FUNCTION findings_append_only();
CREATE TRIGGER case_finding_causes_no_update BEFORE UPDATE OR DELETE ON case_finding_causes
    FOR EACH ROW EXECUTE FUNCTION findings_append_only();

-- The history admits the evaluation actions (CaseAction in types.proto).
ALTER TABLE complaint_events DROP CONSTRAINT complaint_events_action_known;
ALTER TABLE complaint_events ADD CONSTRAINT complaint_events_action_known CHECK (action IN (
    'Submitted', 'DispatchedToUnit', 'HandlerAssigned', 'AssignmentAccepted', 'AssignmentReturned',
    'FirstContactRecorded', 'RepliedToCustomer', 'CallbackSatisfied', 'CallbackDissatisfied', 'Suspended', 'Resumed',
    'Closed', 'Reopened', 'Regraded', 'ClockBreached', 'Escalated', 'FindingRecorded', 'FindingChanged', 'ClosureSubmitted',
    'ClosureApproved', 'ClosureRejected', 'QualityConfirmed', 'QualityOverturned'));

-- A quality inspector overturned this finding version (质检): it no longer counts as the case's finding.
CREATE TABLE finding_set_asides (
    complaint_id  uuid NOT NULL,
    version       integer NOT NULL,
    set_aside_at  timestamptz NOT NULL,
    set_aside_by  text NOT NULL,
    reason        text NOT NULL,
    PRIMARY KEY (complaint_id, version),
    FOREIGN KEY (complaint_id, version) REFERENCES case_findings (complaint_id, version)
);

-- Quality sampling of 不属实: one row per case drawn for a week. The draw is deterministic (seed, week, city), and a
-- rerun of the same week adds nothing that is already there.
CREATE TABLE quality_queue (
    entry_id          uuid PRIMARY KEY,
    complaint_id      uuid NOT NULL REFERENCES complaints (id),
    week_start        date NOT NULL,
    city_unit_id      text NOT NULL,
    reason            text NOT NULL,
    drawn_at          timestamptz NOT NULL,
    finding_version   integer NOT NULL,
    reviewer          text NOT NULL,
    reviewer_unit_id  text,
    verdict           text,
    verdict_reason    text NOT NULL DEFAULT '',
    inspector         text,
    verdict_at        timestamptz,
    UNIQUE (complaint_id, week_start)
);
CREATE INDEX quality_queue_open ON quality_queue (complaint_id) WHERE verdict IS NULL;
CREATE INDEX quality_queue_reviewer ON quality_queue (reviewer_unit_id, verdict);

CREATE TABLE quality_sampling_runs (
    week_start  date PRIMARY KEY,
    candidates  integer NOT NULL,
    drawn       integer NOT NULL,
    ran_at      timestamptz NOT NULL
);
