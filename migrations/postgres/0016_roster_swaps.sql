-- A person on a shift asks a colleague of the same unit and role to take it (/swap); the
-- colleague accepts or declines with a button.
CREATE TABLE roster_swaps (
    id           BIGSERIAL PRIMARY KEY,
    day          TEXT NOT NULL,
    unit_id      TEXT NOT NULL REFERENCES units(id),
    role         TEXT NOT NULL,
    from_person  BIGINT NOT NULL REFERENCES people(id),
    to_person    BIGINT NOT NULL REFERENCES people(id),
    state        TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'accepted', 'declined')),
    created_at   BIGINT NOT NULL
);
