-- Wrong receipt codes per chat, under a keyed pseudonym (never a chat id), so guessing is
-- bounded across restarts. Rows older than the window are pruned as new ones are counted.
CREATE TABLE code_failures (
    sender_key TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX code_failures_key ON code_failures(sender_key, at);
CREATE INDEX code_failures_at ON code_failures(at);
