-- Per-sender limits (crate::limits): one row per counted action, by kind and key (a person
-- id, a tip id, or a keyed pseudonym of a chat: never a chat id). Rows older than the
-- longest window are pruned by retention. The two earlier counters move in here.
CREATE TABLE rate_hits (
    id   BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX rate_hits_key ON rate_hits(kind, key, at);
CREATE INDEX rate_hits_at ON rate_hits(at);

INSERT INTO rate_hits (kind, key, at) SELECT 'tip.new', sender_key, at FROM tip_sends;
INSERT INTO rate_hits (kind, key, at) SELECT 'tip.code', sender_key, at FROM code_failures;
DROP TABLE tip_sends;
DROP TABLE code_failures;
