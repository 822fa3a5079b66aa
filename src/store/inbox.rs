//! Input updates: persisted before they are acted on, remembered by update id.
//!
//! Several processes may share the inbox. Each leases the oldest pending update of a chat
//! (never a later one while an earlier one is pending), so one chat's updates are handled in
//! order by one process at a time, and a crashed process's leases lapse to the others.
use super::{on_pool, on_tx, Result, Store, StoreError, Tx};

/// An update as received, with the chat whose order it must keep.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub update_id: i64,
    pub chat_key: i64,
    pub payload: String,
}

#[derive(Debug, Clone)]
pub struct InboxItem {
    pub update_id: i64,
    pub chat_key: i64,
    pub payload: String,
    pub attempts: i64,
}

type ItemRow = (i64, i64, String, i64);

fn item_of((update_id, chat_key, payload, attempts): ItemRow) -> InboxItem {
    InboxItem {
        update_id,
        chat_key,
        payload,
        attempts,
    }
}

impl Store {
    /// Remember a batch of updates; ones seen before are ignored. Returns how many were new.
    pub async fn add_updates(&self, updates: &[NewUpdate], now: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for u in updates {
            let sql = "INSERT INTO inbox (update_id, chat_key, payload, received_at) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT DO NOTHING";
            added += on_tx!(&mut tx, c => sqlx::query(sql).bind(u.update_id).bind(u.chat_key)
                .bind(&u.payload).bind(now).execute(&mut **c).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Lease up to `limit` updates until `until`: each the oldest pending one of its chat and
    /// not leased by anyone else. At most one per chat, so they may be handled concurrently.
    pub async fn claim_updates(&self, limit: i64, now: i64, until: i64) -> Result<Vec<InboxItem>> {
        let pick = "SELECT i.update_id FROM inbox i \
                    WHERE i.state = 'pending' AND (i.leased_until IS NULL OR i.leased_until < $1) \
                    AND NOT EXISTS (SELECT 1 FROM inbox j WHERE j.state = 'pending' \
                                    AND j.chat_key = i.chat_key AND j.update_id < i.update_id) \
                    ORDER BY i.update_id LIMIT $3";
        // PostgreSQL: replicas claiming at once skip each other's rows instead of waiting.
        let lock = self.lock_clause(" FOR UPDATE SKIP LOCKED");
        let sql = format!(
            "UPDATE inbox SET leased_until = $2 WHERE update_id IN ({pick}{lock}) \
             RETURNING update_id, chat_key, payload, attempts"
        );
        let rows: Vec<ItemRow> = if let Store::Postgres(p) = self {
            // A burst (10,000 presses of Received) is a queue the statistics have not seen yet.
            let mut tx = super::delivery::walking_the_queue(p).await?;
            let rows = sqlx::query_as(&sql)
                .bind(now)
                .bind(until)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        } else {
            on_pool!(self, p => sqlx::query_as(&sql)
                .bind(now).bind(until).bind(limit).fetch_all(p).await?)
        };
        let mut items: Vec<InboxItem> = rows.into_iter().map(item_of).collect();
        items.sort_by_key(|i| i.update_id);
        Ok(items)
    }

    /// The oldest `limit` pending updates, in update order, leased or not (for the one
    /// process of a SQLite database, inside its batch).
    pub async fn pending_updates(&self, limit: i64) -> Result<Vec<InboxItem>> {
        let sql = "SELECT update_id, chat_key, payload, attempts FROM inbox                    WHERE state = 'pending' ORDER BY update_id LIMIT $1";
        let rows: Vec<ItemRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await?);
        Ok(rows.into_iter().map(item_of).collect())
    }

    /// Whether any update waits (a read, so an idle processor takes no write lock).
    pub async fn has_pending_updates(&self) -> Result<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM inbox WHERE state = 'pending')";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).fetch_one(p).await?))
    }

    /// Mark an update handled that no handler committed (nothing to do); no-op if one did.
    pub async fn finish_stray_update(&self, update_id: i64) -> Result<()> {
        let sql =
            "UPDATE inbox SET state = 'done', payload = '', chat_key = 0, leased_until = NULL \
                   WHERE update_id = $1 AND state = 'pending'";
        on_pool!(self, p => sqlx::query(sql).bind(update_id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Forget every lease (on a start with SQLite, whose only process is this one).
    pub async fn release_update_leases(&self) -> Result<u64> {
        let sql = "UPDATE inbox SET leased_until = NULL WHERE state = 'pending' AND leased_until IS NOT NULL";
        Ok(on_pool!(self, p => sqlx::query(sql).execute(p).await?.rows_affected()))
    }

    /// How many updates wait to be handled.
    pub async fn pending_update_count(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM inbox WHERE state = 'pending'";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).fetch_one(p).await?))
    }

    /// Count a failed attempt and release the lease; after `max` attempts the update is
    /// given up (payload erased).
    pub async fn update_failed(&self, update_id: i64, max: i64) -> Result<bool> {
        let sql = "UPDATE inbox SET attempts = attempts + 1, leased_until = NULL, \
                   state = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END, \
                   payload = CASE WHEN attempts + 1 >= $2 THEN '' ELSE payload END, \
                   chat_key = CASE WHEN attempts + 1 >= $2 THEN 0 ELSE chat_key END \
                   WHERE update_id = $1 AND state = 'pending' RETURNING state";
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(sql).bind(update_id).bind(max).fetch_optional(p).await?);
        Ok(row.is_some_and(|r| r.0 == "failed"))
    }
}

impl Tx {
    /// Mark an update handled, in the same transaction as its effects. The payload and chat
    /// (which may name a tipster) are erased. If another process got there first this fails with
    /// `AlreadyHandled`, and rolling back undoes this attempt's effects: each update changes
    /// state once.
    pub async fn finish_update(&mut self, update_id: i64) -> Result<()> {
        let sql =
            "UPDATE inbox SET state = 'done', payload = '', chat_key = 0, leased_until = NULL \
                   WHERE update_id = $1 AND state = 'pending'";
        let n = on_tx!(self, c => sqlx::query(sql).bind(update_id).execute(&mut **c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::AlreadyHandled(update_id));
        }
        Ok(())
    }
}
