-- Request kinds beyond complaint and report (咨询, 意见建议, 抱怨), and the conversion of a grumble or an opinion into
-- a complaint (ConvertToComplaint). request_kind holds the case's current kind, so every existing query of complaints
-- still sees a converted case as the complaint it now is; what it was received as stays beside it.

-- Set together, once, by the conversion: NULL on every case that was never converted (and on every older case).
ALTER TABLE complaints ADD COLUMN original_request_kind text CHECK (original_request_kind IN ('Opinion', 'Grumble'));
ALTER TABLE complaints ADD COLUMN converted_at timestamptz;
ALTER TABLE complaints ADD CONSTRAINT complaints_conversion_complete
    CHECK ((original_request_kind IS NULL) = (converted_at IS NULL));
-- ListComplaints' converted_only filter: a small partial index in id order, so a page is a short backward scan (the
-- same shape as complaints_warned); the monthly count of conversions reads the same few rows.
CREATE INDEX complaints_converted ON complaints (id) WHERE converted_at IS NOT NULL;

ALTER TABLE complaint_events DROP CONSTRAINT complaint_events_action_known;
ALTER TABLE complaint_events ADD CONSTRAINT complaint_events_action_known CHECK (action IN (
    'Submitted', 'DispatchedToUnit', 'HandlerAssigned', 'AssignmentAccepted', 'AssignmentReturned',
    'FirstContactRecorded', 'RepliedToCustomer', 'CallbackSatisfied', 'CallbackDissatisfied', 'Suspended', 'Resumed',
    'Closed', 'Reopened', 'Regraded', 'ClockBreached', 'Escalated', 'FindingRecorded', 'FindingChanged', 'ClosureSubmitted',
    'ClosureApproved', 'ClosureRejected', 'QualityConfirmed', 'QualityOverturned', 'Chased', 'WarningRaised',
    'ConvertedToComplaint'));
