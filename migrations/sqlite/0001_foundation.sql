-- Foundation: units, people, memberships, invites, conversations, inbox, outbox.
-- Instants are epoch milliseconds (BIGINT) on both backends.

CREATE TABLE units (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    parent_id     TEXT REFERENCES units(id),
    position      BIGINT NOT NULL,            -- file order, so export reproduces import
    duty_chat_id  BIGINT UNIQUE,              -- bound duty-room group
    duty_chat_unreachable BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    tg_user_id  BIGINT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    username    TEXT,
    lang        TEXT NOT NULL,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE memberships (
    person_id  BIGINT NOT NULL REFERENCES people(id),
    unit_id    TEXT NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL CHECK (role IN ('grid_worker', 'duty_officer', 'supervisor', 'admin')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, unit_id, role)
);
CREATE INDEX memberships_unit ON memberships(unit_id, role);

CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,              -- SHA-256 of the code; the code itself is never stored
    unit_id    TEXT NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL CHECK (role IN ('grid_worker', 'duty_officer', 'supervisor', 'admin')),
    uses_left  BIGINT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);

-- Per-chat conversation state (drafts, a stranger's language). Keyed by chat and user.
CREATE TABLE conversations (
    chat_id    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    lang       TEXT,
    state      TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Incoming updates, persisted before they are acted on. The payload is erased once handled.
CREATE TABLE inbox (
    update_id   BIGINT PRIMARY KEY,
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    received_at BIGINT NOT NULL
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE state = 'pending';

-- Durable outbox: every message the bot sends. idem_key makes each logical message unique.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    idem_key      TEXT NOT NULL UNIQUE,
    chat_id       BIGINT NOT NULL,
    method        TEXT NOT NULL,
    payload       TEXT NOT NULL,
    edit_of       TEXT,                        -- idem_key of the message this one edits
    ephemeral     BOOLEAN NOT NULL DEFAULT FALSE, -- to a stranger: recipient and text erased once done
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    not_before    BIGINT NOT NULL,
    lease_until   BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    tg_message_id BIGINT,
    last_error    TEXT
);
CREATE INDEX outbox_pending ON outbox(not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_chat ON outbox(chat_id, id) WHERE state = 'pending';
