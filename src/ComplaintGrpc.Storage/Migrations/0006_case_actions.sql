-- The history's actions are the contract's CaseAction names (types.proto); the database refuses any other, so a
-- misspelt action fails its transaction instead of silently escaping every report that filters on it.
-- A new CaseAction needs a migration that replaces this constraint (CaseActionConstraintTests fails until it has).
ALTER TABLE complaint_events ADD CONSTRAINT complaint_events_action_known CHECK (action IN (
    'Submitted', 'DispatchedToUnit', 'HandlerAssigned', 'AssignmentAccepted', 'AssignmentReturned',
    'FirstContactRecorded', 'RepliedToCustomer', 'CallbackSatisfied', 'CallbackDissatisfied', 'Suspended', 'Resumed',
    'Closed', 'Reopened', 'Regraded', 'ClockBreached', 'Escalated'));
