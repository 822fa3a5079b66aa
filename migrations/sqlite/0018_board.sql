-- The board (应急指挥“一张图”): where a unit is on the map, and the links that open the board.
ALTER TABLE units ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE units ADD COLUMN lon DOUBLE PRECISION;
-- A moved unit is a changed tree (the tree is held in memory with its places).
DROP TRIGGER unit_changed;
CREATE TRIGGER unit_changed AFTER UPDATE OF id, name, parent_id, position, duty_chat_id, lat, lon ON units
BEGIN UPDATE unit_tree_version SET version = random(); END;

-- A board link's token is never stored: only its SHA-256.
CREATE TABLE board_tokens (
    token_hash  TEXT PRIMARY KEY,
    prefix      TEXT NOT NULL,           -- the token's first characters, to revoke it by
    unit_id     TEXT NOT NULL REFERENCES units(id),
    person_id   BIGINT REFERENCES people(id),  -- a personal link from the bot's /board
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX board_tokens_prefix ON board_tokens(prefix);
