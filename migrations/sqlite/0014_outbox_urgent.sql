-- Urgent messages (alerts) are sent ahead of routine ones already queued: the sender takes
-- pending messages urgent first, then in id order, and a chat's next message is its first
-- in that order, so both indexes follow it.
ALTER TABLE outbox ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX outbox_queue;
CREATE INDEX outbox_queue ON outbox(urgent DESC, id) WHERE state = 'pending';
DROP INDEX outbox_chat;
CREATE INDEX outbox_chat ON outbox(chat_id, urgent DESC, id) WHERE state = 'pending';
