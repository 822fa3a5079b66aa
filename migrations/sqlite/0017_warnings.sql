-- Warnings (预警) and their call and respond (叫应): each warning, and each of its recipients
-- (a person privately, or a bound duty room) with whether and when they confirmed.
CREATE TABLE warnings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: W-7 names one warning for good
    targets        TEXT NOT NULL,      -- the warned units' ids, space-separated (a CAP alert may name several)
    level          TEXT NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    text           TEXT NOT NULL,
    exercise       BOOLEAN NOT NULL DEFAULT FALSE,
    issuer_name    TEXT NOT NULL,      -- the issuing unit, or the upstream sender's name
    issued_by      BIGINT REFERENCES people(id),  -- NULL: issued by the CLI or a CAP file
    tally_chat     BIGINT,             -- where the issuer's tally message goes
    tally_lang     TEXT,               -- and in which language
    cap_sender     TEXT,
    cap_identifier TEXT,
    issued_at      BIGINT NOT NULL,
    confirm_by     BIGINT NOT NULL,    -- confirmations after this count as late
    expires_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    end_text       TEXT,
    tally_shown    TEXT                -- the counts the tally message shows now
);
CREATE UNIQUE INDEX warnings_cap ON warnings(cap_sender, cap_identifier);
CREATE INDEX warnings_issued ON warnings(issued_at);

CREATE TABLE warning_recipients (
    warning_id     BIGINT NOT NULL REFERENCES warnings(id),
    chat_id        BIGINT NOT NULL,
    person_id      BIGINT REFERENCES people(id),   -- NULL: a unit's duty room
    unit_id        TEXT NOT NULL,      -- the unit it counts for (figures, escalation)
    state          TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'confirmed', 'unreachable')),
    resent         BOOLEAN NOT NULL DEFAULT FALSE,
    confirmed_at   BIGINT,
    confirmed_by   BIGINT REFERENCES people(id),   -- who pressed (in a duty room, any member)
    confirmed_name TEXT,               -- their name as Telegram gave it
    PRIMARY KEY (warning_id, chat_id)
);
CREATE INDEX warning_recipients_unit ON warning_recipients(warning_id, unit_id, state);
CREATE INDEX warning_recipients_confirmed ON warning_recipients(confirmed_at) WHERE confirmed_at IS NOT NULL;
