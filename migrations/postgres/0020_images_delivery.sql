-- Sends begun and not finished: counted when the sender claims a message and cleared when
-- a result is recorded, so a message that took the process down with it (an out-of-memory
-- kill while decoding a file) is given up after a few restarts instead of on every start.
ALTER TABLE outbox ADD COLUMN claims BIGINT NOT NULL DEFAULT 0;
