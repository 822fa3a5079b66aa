-- A version of the unit tree, so processes can hold the tree in memory and reload it only
-- when it changed. Triggers change it, so no write can forget to; random rather than a
-- counter, so a rolled-back change and a later different one never share a version.
CREATE TABLE unit_tree_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO unit_tree_version (id, version) VALUES (1, random());

CREATE TRIGGER unit_added AFTER INSERT ON units
BEGIN UPDATE unit_tree_version SET version = random(); END;
CREATE TRIGGER unit_changed AFTER UPDATE OF id, name, parent_id, position, duty_chat_id ON units
BEGIN UPDATE unit_tree_version SET version = random(); END;
CREATE TRIGGER unit_removed AFTER DELETE ON units
BEGIN UPDATE unit_tree_version SET version = random(); END;
