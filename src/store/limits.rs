//! The per-sender counters behind `crate::limits`: one row per counted action, by kind and
//! key. Nothing here knows what a kind means or how many are allowed.
use super::{on_pool, on_tx, Result, Store, Tx};

const HITS_SQL: &str = "SELECT at FROM rate_hits WHERE kind = $1 AND key = $2 AND at > $3";
const ADD_SQL: &str = "INSERT INTO rate_hits (kind, key, at) VALUES ($1, $2, $3)";

impl Tx {
    /// PostgreSQL: hold (kind, key) for the rest of the transaction, so two replicas counting
    /// the same sender at once take turns instead of both seeing room for one more. (SQLite's
    /// write transaction holds the only lock already.)
    pub async fn lock_rate(&mut self, kind: &str, key: &str) -> Result<()> {
        if !self.is_postgres() {
            return Ok(());
        }
        let sql = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
        let name = format!("rate:{kind}:{key}");
        on_tx!(self, c => sqlx::query(sql).bind(&name).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// When this key's actions of this kind after `since` were counted.
    pub async fn rate_hits(&mut self, kind: &str, key: &str, since: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_tx!(self, c => sqlx::query_as(HITS_SQL)
            .bind(kind).bind(key).bind(since).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn add_rate_hit(&mut self, kind: &str, key: &str, at: i64) -> Result<()> {
        on_tx!(self, c => sqlx::query(ADD_SQL).bind(kind).bind(key).bind(at)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    /// `Tx::rate_hits` outside a transaction (a count that only guards, such as wrong codes).
    pub async fn rate_hits(&self, kind: &str, key: &str, since: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as(HITS_SQL)
            .bind(kind).bind(key).bind(since).fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn add_rate_hit(&self, kind: &str, key: &str, at: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query(ADD_SQL).bind(kind).bind(key).bind(at)
            .execute(p).await?.rows_affected());
        Ok(())
    }
}
