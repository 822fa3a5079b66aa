-- Duty rosters (值班表): who stands on which day's shift of a unit, as duty officer or as
-- leading supervisor. A (day, unit, role) without rows has no roster: everyone of the role.
CREATE TABLE roster (
    day        TEXT NOT NULL,     -- YYYY-MM-DD: the shift starting at roster.shift_start that day
    unit_id    TEXT NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL,     -- duty_officer | supervisor
    person_id  BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (day, unit_id, role, person_id)
);
-- A unit's roster by role and day (routing, gaps, statistics).
CREATE INDEX roster_unit ON roster(unit_id, role, day);
