-- The trace context of the call that submitted each case (W3C traceparent), so that the worker's spans that act on the
-- case later (reminders, breaches) carry a link to the submit's trace. Its own table: the complaints row stays as the
-- intake writes it, and a case submitted with no trace (tracing off) has no row.
CREATE TABLE IF NOT EXISTS case_traces (
    complaint_id  uuid PRIMARY KEY REFERENCES complaints (id) ON DELETE CASCADE,
    trace_parent  text NOT NULL
);
