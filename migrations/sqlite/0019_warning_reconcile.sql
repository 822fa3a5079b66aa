-- A warning's tally, every 3 s while its copies go out, marks recipients known unreachable:
-- these few rows, not a lookup per recipient (10,000 of them for a district-wide warning).
CREATE INDEX outbox_failed ON outbox(chat_id) WHERE state = 'failed';
CREATE INDEX people_unreachable ON people(id) WHERE unreachable;
CREATE INDEX units_chat_unreachable ON units(duty_chat_id) WHERE duty_chat_unreachable;
