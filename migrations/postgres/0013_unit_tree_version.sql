-- A version of the unit tree, so processes can hold the tree in memory and reload it only
-- when it changed. A trigger changes it, so no write can forget to; random rather than a
-- counter, so a rolled-back change and a later different one never share a version.
CREATE TABLE unit_tree_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO unit_tree_version (id, version) VALUES (1, (random() * 9e18)::BIGINT);

CREATE FUNCTION unit_tree_changed() RETURNS trigger AS $$
BEGIN
    UPDATE unit_tree_version SET version = (random() * 9e18)::BIGINT;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER unit_added_or_removed AFTER INSERT OR DELETE ON units
FOR EACH STATEMENT EXECUTE FUNCTION unit_tree_changed();
CREATE TRIGGER unit_changed AFTER UPDATE OF id, name, parent_id, position, duty_chat_id ON units
FOR EACH STATEMENT EXECUTE FUNCTION unit_tree_changed();
