-- The audit trail: admin changes that left no record of who made them, the hazard cards to
-- edit when a report moves on, and indexes for reading every trail by time.

-- Invites created and used, memberships, duty-room binds, season overrides, pauses, org
-- imports: written in the same transaction as the change. person_id is who made it (NULL:
-- the operator's CLI); never anything of a tipster.
CREATE TABLE admin_events (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    unit_id   TEXT,
    person_id BIGINT REFERENCES people(id),
    detail    TEXT
);
CREATE INDEX admin_events_at ON admin_events(at, id);

-- Where each hazard report was shown with its handler buttons (edited when it is taken).
CREATE TABLE hazard_cards (
    hazard_id BIGINT NOT NULL REFERENCES hazards(id),
    chat_id   BIGINT NOT NULL,
    lang      TEXT NOT NULL,
    idem_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX hazard_cards_hazard ON hazard_cards(hazard_id);

CREATE INDEX escalation_events_at ON escalation_events(at, id);
CREATE INDEX hazard_events_at ON hazard_events(at, id);
CREATE INDEX tip_entries_at ON tip_entries(at, id);
