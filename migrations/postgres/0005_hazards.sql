-- Hazard reports (隐患): the report, its photos and its history.

CREATE TABLE hazards (
    id            BIGSERIAL PRIMARY KEY,
    unit_id       TEXT NOT NULL REFERENCES units(id),
    reporter_id   BIGINT NOT NULL REFERENCES people(id),
    category      TEXT NOT NULL,
    description   TEXT NOT NULL,
    major         BOOLEAN NOT NULL,
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    state         TEXT NOT NULL CHECK (state IN ('reported', 'acknowledged', 'rectifying', 'rectified', 'closed', 'rejected', 'reopened')),
    created_at    BIGINT NOT NULL,
    acked_at      BIGINT,
    rectify_due   BIGINT,
    rectified_at  BIGINT,
    closed_at     BIGINT,
    duplicate_of  BIGINT REFERENCES hazards(id)
);
CREATE INDEX hazards_open ON hazards(unit_id, state) WHERE state NOT IN ('closed', 'rejected');
CREATE INDEX hazards_reporter ON hazards(reporter_id);

-- Photos by Telegram file id: forwarded without re-uploading.
CREATE TABLE hazard_photos (
    id        BIGSERIAL PRIMARY KEY,
    hazard_id BIGINT NOT NULL REFERENCES hazards(id),
    file_id   TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people(id),
    at        BIGINT NOT NULL
);
CREATE INDEX hazard_photos_hazard ON hazard_photos(hazard_id);

-- Every transition: who, when, what, with text.
CREATE TABLE hazard_events (
    id        BIGSERIAL PRIMARY KEY,
    hazard_id BIGINT NOT NULL REFERENCES hazards(id),
    at        BIGINT NOT NULL,
    person_id BIGINT REFERENCES people(id),
    action    TEXT NOT NULL,
    text      TEXT
);
CREATE INDEX hazard_events_hazard ON hazard_events(hazard_id);
