-- Durable timers, the fire-season override and the escalation engine.

CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,      -- what this firing is; scheduling it twice is a no-op
    grp         TEXT NOT NULL,             -- cancel together (e.g. every step of one escalation)
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    fired_at    BIGINT,
    result      TEXT
);
-- Only pending timers are ever scanned, so finished ones cost nothing.
CREATE INDEX timers_due ON timers(due_at, id) WHERE state = 'pending';
CREATE INDEX timers_grp ON timers(grp) WHERE state = 'pending';

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE escalations (
    id           INTEGER PRIMARY KEY,
    subject      TEXT NOT NULL UNIQUE,     -- e.g. "zero:wangcun:2026-11-29", "hazard:H-12"
    unit_id      TEXT NOT NULL REFERENCES units(id),
    what_key     TEXT NOT NULL,            -- locale key describing what is waiting
    what_args    TEXT NOT NULL,            -- its arguments (JSON object of strings)
    policy       TEXT NOT NULL,            -- JSON, see escalation::Policy
    state        TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'snoozed', 'resolved')),
    since        BIGINT NOT NULL,          -- when the item started waiting
    chain_start  BIGINT NOT NULL,          -- offsets count from here (re-triggers restart it)
    next_step    BIGINT NOT NULL DEFAULT 0,
    acked_by     BIGINT REFERENCES people(id),
    acked_at     BIGINT,
    resolved_at  BIGINT
);
CREATE INDEX escalations_open ON escalations(unit_id) WHERE state <> 'resolved';

-- The audit trail: every notification, acknowledgement, snooze, re-trigger and resolution.
CREATE TABLE escalation_events (
    id            INTEGER PRIMARY KEY,
    escalation_id BIGINT NOT NULL REFERENCES escalations(id),
    at            BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('notified', 'acknowledged', 'snoozed', 'retriggered', 'resolved', 'unreachable')),
    level         BIGINT,
    unit_id       TEXT,
    person_id     BIGINT,
    chat_id       BIGINT,
    note          TEXT
);
CREATE INDEX escalation_events_esc ON escalation_events(escalation_id, kind);
