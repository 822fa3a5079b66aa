//! Pruning finished rows, one small batch per statement, so no statement holds the write
//! lock for long. Each function deletes at most `limit` rows older than `before` and says
//! how many it deleted; `crate::retention` decides the instants and loops.
//!
//! What stays however old it is: anything pending; a message that an open item may still
//! edit (its idem key names the item: `hz.{id}.…`, `esc.{id}.…`, `tip.{id}.…`, and the
//! reminders of the current zero-report round); a message an edit still waiting or younger
//! than the window refers to; the command menus (re-queued with the same key on every
//! start, so deleting them would register them again). Failed timers stay as evidence.
use super::{on_pool, Result, Store};

impl Store {
    /// Sent and given-up messages created before `before`.
    pub async fn prune_outbox(&self, before: i64, limit: i64) -> Result<u64> {
        // Each open-item check is a primary-key lookup of the id in the key, so the cost of a
        // batch does not grow with the number of open items.
        let open = |prefix: &str, table: &str, open: &str| {
            format!(
                "AND NOT (o.idem_key LIKE '{prefix}.%' AND EXISTS (SELECT 1 FROM {table} i \
                 WHERE i.id = {} AND {open})) ",
                self.id_in_key(prefix)
            )
        };
        let sql = format!(
            "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o \
             WHERE o.state <> 'pending' AND o.created_at < $1 AND o.method <> 'setMyCommands' \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.edit_of = o.idem_key \
                             AND (e.state = 'pending' OR e.created_at >= $1)) \
             AND NOT EXISTS (SELECT 1 FROM zero_reminders r WHERE r.idem_key = o.idem_key \
                             AND r.round_id = ({CURRENT_ROUND})) \
             {}{}{}ORDER BY o.created_at LIMIT $2{})",
            open("hz", "hazards", "i.state NOT IN ('closed', 'rejected')"),
            open("esc", "escalations", "i.state <> 'resolved'"),
            open("tip", "tips", "i.state <> 'closed'"),
            self.skip_locked()
        );
        self.prune_with(&sql, before, limit).await
    }

    /// Done and cancelled timers due before `before` (a timer's due time is when it ran or
    /// would have run; cancelling records no time).
    pub async fn prune_timers(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM timers WHERE id IN (SELECT id FROM timers \
             WHERE state IN ('done', 'cancelled') AND due_at < $1 ORDER BY due_at LIMIT $2{})",
            self.skip_locked()
        );
        self.prune_with(&sql, before, limit).await
    }

    /// Handled (or given-up) updates received before `before`. Their payload was erased
    /// when they were handled; the row only remembers the update id against replays.
    pub async fn prune_updates(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM inbox \
             WHERE state <> 'pending' AND received_at < $1 ORDER BY received_at LIMIT $2{})",
            self.skip_locked()
        );
        self.prune_with(&sql, before, limit).await
    }

    /// Conversations (a language choice, a draft) of people without a membership, untouched
    /// since `before`. Members' conversations stay: they are few and hold their drafts.
    pub async fn prune_stranger_conversations(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = "DELETE FROM conversations WHERE (chat_id, user_id) IN \
                   (SELECT c.chat_id, c.user_id FROM conversations c WHERE c.updated_at < $1 \
                    AND NOT EXISTS (SELECT 1 FROM people p JOIN memberships m ON m.person_id = p.id \
                                    WHERE p.tg_user_id = c.user_id) \
                    ORDER BY c.updated_at LIMIT $2)";
        self.prune_with(sql, before, limit).await
    }

    /// Where the reminders of rounds opened before `before` went (to edit them on an
    /// answer), except the current round's: answers only ever go to the current round.
    pub async fn prune_zero_reminders(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM zero_reminders WHERE idem_key IN (SELECT r.idem_key FROM zero_reminders r \
             JOIN zero_rounds z ON z.id = r.round_id WHERE z.opened_at < $1 \
             AND z.id <> COALESCE(({CURRENT_ROUND}), 0) LIMIT $2)"
        );
        self.prune_with(&sql, before, limit).await
    }

    /// Roster days before `day` (YYYY-MM-DD), and swaps asked before `before`: plans, not
    /// records (the answers and escalations they explain are kept).
    pub async fn prune_rosters(&self, day: &str, before: i64, limit: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM roster WHERE (day, unit_id, role, person_id) IN (SELECT day, unit_id, role, person_id \
             FROM roster WHERE day < $1 ORDER BY day LIMIT $2{})",
            self.skip_locked()
        );
        let days = on_pool!(self, p => sqlx::query(&sql).bind(day).bind(limit).execute(p).await?.rows_affected());
        let sql = format!(
            "DELETE FROM roster_swaps WHERE id IN (SELECT id FROM roster_swaps WHERE created_at < $1 \
             ORDER BY id LIMIT $2{})",
            self.skip_locked()
        );
        Ok(days + self.prune_with(&sql, before, limit).await?)
    }

    /// Counted actions (`crate::limits`) from before `before`: only their window matters.
    pub async fn prune_rate_hits(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM rate_hits WHERE id IN (SELECT id FROM rate_hits WHERE at < $1 \
             ORDER BY at LIMIT $2{})",
            self.skip_locked()
        );
        self.prune_with(&sql, before, limit).await
    }

    async fn prune_with(&self, sql: &str, before: i64, limit: i64) -> Result<u64> {
        Ok(
            on_pool!(self, p => sqlx::query(sql).bind(before).bind(limit).execute(p).await?.rows_affected()),
        )
    }

    /// The number between `prefix.` and the next dot of `o.idem_key` (`esc.12.…` → 12), as an
    /// SQL expression; NULL (PostgreSQL) or 0 (SQLite) when there is none.
    fn id_in_key(&self, prefix: &str) -> String {
        let from = prefix.len() + 2;
        match self.is_postgres() {
            false => format!(
                "CAST(substr(o.idem_key, {from}, instr(substr(o.idem_key, {from}), '.') - 1) AS INTEGER)"
            ),
            true => "(CASE WHEN split_part(o.idem_key, '.', 2) ~ '^[0-9]{1,18}$' \
                 THEN CAST(split_part(o.idem_key, '.', 2) AS BIGINT) END)"
                .to_string(),
        }
    }

    /// PostgreSQL: replicas pruning at once take different rows instead of waiting on (or
    /// deadlocking with) each other.
    fn skip_locked(&self) -> &'static str {
        self.lock_clause(" FOR UPDATE SKIP LOCKED")
    }
}

/// The round answers go to (`Tx::current_round` without a time bound: the latest opened).
const CURRENT_ROUND: &str = "SELECT id FROM zero_rounds ORDER BY opened_at DESC LIMIT 1";
