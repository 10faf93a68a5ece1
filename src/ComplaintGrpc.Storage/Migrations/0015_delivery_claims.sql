-- External deliveries are claimed for a short lease, sent outside any transaction, and their outcome recorded only
-- while the claim is still the sender's (issue 12). next_attempt_at is when the outbox sweep may hand the delivery
-- to Hangfire again: a short lease after each hand-over, a growing back-off after each failure.
ALTER TABLE notification_deliveries
    ADD COLUMN IF NOT EXISTS claim_id uuid,
    ADD COLUMN IF NOT EXISTS claimed_until timestamptz,
    ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz;
