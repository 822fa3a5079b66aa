-- WeCom (crate::channel): the way back from a WeCom address (the chat id the domain uses,
-- derived from the text id) to the member's UserID or the group robot's webhook key.
CREATE TABLE wecom_addresses (
    chat_id  BIGINT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('member', 'robot')),
    external TEXT NOT NULL,
    UNIQUE (kind, external)
);

-- A message that came through WeCom is remembered by its own key (MsgId, or sender and
-- time), so a redelivery is stored once.
ALTER TABLE inbox ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX inbox_source ON inbox(source_key) WHERE source_key IS NOT NULL;

-- The single-use code of the last press on a card, by the card's task id: what updating
-- the card after the press needs. Taken (deleted) when used.
CREATE TABLE wecom_card_codes (
    task_id       TEXT PRIMARY KEY,
    response_code TEXT NOT NULL,
    at            BIGINT NOT NULL
);
