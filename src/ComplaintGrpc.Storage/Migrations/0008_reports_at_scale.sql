-- The backlog report at scale: its size and cost follow the open backlog, not the years of history.
-- The report and the live overdue list read open cases and running clocks through covering partial indexes
-- (EXPLAIN at 1M cases, 200k open: sequential scans of every case and every clock became index-only scans).

-- Open cases with every column the report groups by; replaces the narrower complaints_open_received (same key).
CREATE INDEX complaints_open_report ON complaints (received_at)
    INCLUDE (id, case_number, channel, category, level, updated_at, status, unit_id, handler_id)
    WHERE status <> 'Closed';
DROP INDEX IF EXISTS complaints_open_received;

-- Running clocks by due time with the keyset of the overdue list (due time, case, clock); replaces the narrower
-- case_clocks_open_due (same leading key).
CREATE INDEX case_clocks_running_due ON case_clocks (due_at, complaint_id, clock) INCLUDE (started_at)
    WHERE stopped_at IS NULL;
DROP INDEX IF EXISTS case_clocks_open_due;

-- A report's figures are stored as the binary protobuf of complaints.v1.BacklogReport: at 718 units the JSON text
-- was 1.3 MB, the binary 210 KB (the gRPC message itself). Reports stored before keep their JSON in figures.
ALTER TABLE reports ADD COLUMN figures_proto bytea;
ALTER TABLE reports ALTER COLUMN figures DROP NOT NULL;
ALTER TABLE reports ADD CONSTRAINT reports_figures_present CHECK (figures IS NOT NULL OR figures_proto IS NOT NULL);
