-- Retention: finished rows older than `retention.keep` are pruned in small batches. These
-- indexes cover only finished rows, ordered by when they finished, so each batch finds its
-- rows without walking the live ones (and the sender's and scheduler's indexes, which cover
-- only pending rows, stay as small as the live work).
CREATE INDEX outbox_finished ON outbox(created_at) WHERE state <> 'pending';
-- Edits find the message they edit by idem key; a message an edit still needs is kept.
CREATE INDEX outbox_edit_of ON outbox(edit_of) WHERE edit_of IS NOT NULL;
CREATE INDEX timers_finished ON timers(due_at) WHERE state IN ('done', 'cancelled');
CREATE INDEX inbox_handled ON inbox(received_at) WHERE state <> 'pending';
CREATE INDEX conversations_updated ON conversations(updated_at);
