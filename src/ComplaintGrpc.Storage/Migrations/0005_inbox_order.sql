-- The order in which notifications reached inboxes. A notification's id is taken when it is raised, but it may be
-- delivered hours later (held through quiet hours, retried); WatchNotifications follows delivery order instead.
CREATE SEQUENCE inbox_delivery_seq;
ALTER TABLE notification_deliveries ADD COLUMN delivered_seq bigint;
CREATE INDEX notification_deliveries_inbox_order ON notification_deliveries (handler_id, delivered_seq)
    WHERE channel = 'Inbox' AND delivered_seq IS NOT NULL;
