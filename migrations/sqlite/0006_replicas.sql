-- Replicas: several processes share one inbox. A process leases the oldest pending update
-- of each chat, so a chat's updates are handled in order and a crashed process's leases
-- lapse to the others. chat_key is erased with the payload once an update is handled.
ALTER TABLE inbox ADD COLUMN chat_key BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN leased_until BIGINT;
CREATE INDEX inbox_pending_chat ON inbox(chat_key, update_id) WHERE state = 'pending';
