//! Incoming updates: persisted before they are acted on, remembered by update id.
use super::{on_pool, on_tx, Result, Store, Tx};

#[derive(Debug, Clone)]
pub struct InboxItem {
    pub update_id: i64,
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    /// Remember a batch of updates; ones seen before are ignored. Returns how many were new.
    pub async fn add_updates(&self, updates: &[(i64, String)], now: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for (id, payload) in updates {
            let sql = "INSERT INTO inbox (update_id, payload, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
            added += on_tx!(&mut tx, c => sqlx::query(sql).bind(id).bind(payload).bind(now)
                .execute(&mut **c).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn pending_updates(&self, limit: i64) -> Result<Vec<InboxItem>> {
        let sql = "SELECT update_id, payload, attempts FROM inbox WHERE state = 'pending' ORDER BY update_id LIMIT $1";
        let rows: Vec<(i64, String, i64)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(update_id, payload, attempts)| InboxItem {
                update_id,
                payload,
                attempts,
            })
            .collect())
    }

    /// Count a failed attempt; after `max` attempts the update is given up (payload erased).
    pub async fn update_failed(&self, update_id: i64, max: i64) -> Result<bool> {
        let sql = "UPDATE inbox SET attempts = attempts + 1, \
                   state = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END, \
                   payload = CASE WHEN attempts + 1 >= $2 THEN '' ELSE payload END \
                   WHERE update_id = $1 RETURNING state";
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(sql).bind(update_id).bind(max).fetch_optional(p).await?);
        Ok(row.is_some_and(|r| r.0 == "failed"))
    }

    /// Forget handled updates received before `before` (Telegram never resends those).
    pub async fn prune_updates(&self, before: i64) -> Result<u64> {
        let sql = "DELETE FROM inbox WHERE state <> 'pending' AND received_at < $1";
        Ok(on_pool!(self, p => sqlx::query(sql).bind(before).execute(p).await?.rows_affected()))
    }
}

impl Tx {
    /// Mark an update handled, in the same transaction as its effects. The payload (which may
    /// name a tipster) is erased.
    pub async fn finish_update(&mut self, update_id: i64) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE inbox SET state = 'done', payload = '' WHERE update_id = $1")
            .bind(update_id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}
