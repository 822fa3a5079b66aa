-- Anonymous whistleblower tips. The tipster's chat id exists only sealed (XChaCha20-Poly1305,
-- key outside the database); drafts, relay sessions and rate counters are found by a keyed
-- hash of the chat, never by the chat id; the receipt code is kept as an HMAC (to find the tip)
-- and an Argon2id hash (to verify it), never in the clear.

CREATE TABLE tips (
    id            INTEGER PRIMARY KEY,
    desk_unit     TEXT NOT NULL REFERENCES units(id),
    state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'closed')),
    chat_sealed   TEXT,                     -- NULL once forgotten
    code_lookup   TEXT UNIQUE,              -- HMAC of the receipt code; NULL once forgotten
    code_hash     TEXT,                     -- Argon2id PHC string; NULL once forgotten
    reward_state  TEXT NOT NULL DEFAULT 'none' CHECK (reward_state IN ('none', 'proposed', 'approved', 'paid')),
    reward_amount BIGINT,
    outcome       TEXT,
    acked_by      BIGINT REFERENCES people(id),
    created_at    BIGINT NOT NULL,
    closed_at     BIGINT,
    forgotten_at  BIGINT,
    revealed_at   BIGINT,                   -- the tipster chose to say who they are
    revealed_as   TEXT
);

-- The exchange: the tip itself, follow-ups, replies, notes, reward steps.
CREATE TABLE tip_entries (
    id         INTEGER PRIMARY KEY,
    tip_id     BIGINT NOT NULL REFERENCES tips(id),
    at         BIGINT NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('tipster', 'desk')),
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'location', 'note', 'reward', 'state', 'reveal')),
    body       TEXT NOT NULL,
    person_id  BIGINT REFERENCES people(id)  -- the handler, for desk entries
);
CREATE INDEX tip_entries_tip ON tip_entries(tip_id, id);

-- A tipster's private chat, by keyed hash: a draft being written, or the tip that plain
-- messages are relayed to, or a reveal waiting for its confirmation.
CREATE TABLE tip_chats (
    chat_key   TEXT PRIMARY KEY,
    draft      TEXT,
    tip_id     BIGINT REFERENCES tips(id),
    reveal_tip BIGINT REFERENCES tips(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX tip_chats_tip ON tip_chats(tip_id);

-- New tips per sender (keyed hash), for the rate limit; rows older than an hour are pruned.
CREATE TABLE tip_sends (
    sender_key TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX tip_sends_key ON tip_sends(sender_key, at);

-- A handler pressed Reply or Close: their next text in that chat answers this tip.
CREATE TABLE tip_waits (
    chat_id  BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    tip_id   BIGINT NOT NULL REFERENCES tips(id),
    action   TEXT NOT NULL CHECK (action IN ('reply', 'close')),
    at       BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
