-- Zero reports: rounds, who is expected, reminders sent (to edit them), answers, pauses.

CREATE TABLE zero_rounds (
    id         INTEGER PRIMARY KEY,
    opened_at  BIGINT NOT NULL UNIQUE,         -- the remind firing
    closes_at  BIGINT NOT NULL,                -- the next deadline firing; later answers are late
    day        TEXT NOT NULL,                  -- local date of opening, YYYY-MM-DD
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed'))
);
CREATE INDEX zero_rounds_day ON zero_rounds(day);

CREATE TABLE zero_expected (
    round_id BIGINT NOT NULL REFERENCES zero_rounds(id),
    unit_id  TEXT NOT NULL REFERENCES units(id),
    PRIMARY KEY (round_id, unit_id)
);

CREATE TABLE zero_reminders (
    round_id BIGINT NOT NULL REFERENCES zero_rounds(id),
    unit_id  TEXT NOT NULL,
    chat_id  BIGINT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE
);
CREATE INDEX zero_reminders_unit ON zero_reminders(round_id, unit_id);

-- The primary key makes the first answer of a round the one that counts.
CREATE TABLE zero_answers (
    round_id    BIGINT NOT NULL REFERENCES zero_rounds(id),
    unit_id     TEXT NOT NULL REFERENCES units(id),
    kind        TEXT NOT NULL CHECK (kind IN ('nothing', 'incident')),
    text        TEXT,
    person_id   BIGINT NOT NULL REFERENCES people(id),
    answered_at BIGINT NOT NULL,
    late        BOOLEAN NOT NULL,
    PRIMARY KEY (round_id, unit_id)
);

CREATE TABLE unit_pauses (
    id         INTEGER PRIMARY KEY,
    unit_id    TEXT NOT NULL REFERENCES units(id),
    from_day   TEXT NOT NULL,
    to_day     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    person_id  BIGINT REFERENCES people(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX unit_pauses_unit ON unit_pauses(unit_id);
