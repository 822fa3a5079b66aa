-- Urgent messages (alerts) are sent ahead of routine ones already queued: the sender takes
-- pending messages urgent first, then in id order, so its index follows that order.
ALTER TABLE outbox ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX outbox_queue;
CREATE INDEX outbox_queue ON outbox(urgent DESC, id) WHERE state = 'pending';
