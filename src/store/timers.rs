//! Durable timers. A timer is claimed, run and marked done inside one transaction, so a crash
//! mid-run rolls it back and it runs again once; on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps
//! replicas from running one timer twice.
use super::{on_pool, on_tx, Result, Store, Tx};

#[derive(Debug, Clone, PartialEq)]
pub struct NewTimer {
    pub key: String,
    pub group: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub due_at: i64,
}

#[derive(Debug, Clone)]
pub struct Timer {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub payload: String,
    pub due_at: i64,
    pub attempts: i64,
}

type TimerRow = (i64, String, String, String, i64, i64);

fn timer_of(r: TimerRow) -> Timer {
    Timer {
        id: r.0,
        key: r.1,
        kind: r.2,
        payload: r.3,
        due_at: r.4,
        attempts: r.5,
    }
}

impl Tx {
    /// Schedule a timer; a timer with the same key is left as it is.
    pub async fn add_timer(&mut self, t: &NewTimer) -> Result<()> {
        let sql =
            "INSERT INTO timers (key, grp, kind, payload, due_at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (key) DO NOTHING";
        let payload = t.payload.to_string();
        on_tx!(self, c => sqlx::query(sql).bind(&t.key).bind(&t.group).bind(&t.kind).bind(&payload).bind(t.due_at)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Cancel every pending timer of a group, atomically with the change that causes it.
    pub async fn cancel_timers(&mut self, group: &str) -> Result<u64> {
        let sql = "UPDATE timers SET state = 'cancelled' WHERE grp = $1 AND state = 'pending'";
        Ok(on_tx!(self, c => sqlx::query(sql).bind(group).execute(&mut **c).await?.rows_affected()))
    }

    /// The earliest due timer, locked for this transaction (skipped by other replicas).
    pub async fn claim_due_timer(&mut self, now: i64) -> Result<Option<Timer>> {
        let sql = format!(
            "SELECT id, key, kind, payload, due_at, attempts FROM timers \
                           WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT 1{}",
            self.lock_clause(" FOR UPDATE SKIP LOCKED")
        );
        let row: Option<TimerRow> = on_tx!(self, c => sqlx::query_as(&sql)
                    .bind(now)
                    .fetch_optional(&mut **c)
                    .await?);
        Ok(row.map(timer_of))
    }

    pub async fn finish_timer(&mut self, id: i64, now: i64, result: &str) -> Result<()> {
        let sql = "UPDATE timers SET state = 'done', fired_at = $2, result = $3 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).bind(result).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn pending_timers(&mut self, group: &str) -> Result<Vec<Timer>> {
        let sql = "SELECT id, key, kind, payload, due_at, attempts FROM timers \
                   WHERE grp = $1 AND state = 'pending' ORDER BY due_at";
        let rows: Vec<TimerRow> =
            on_tx!(self, c => sqlx::query_as(sql).bind(group).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(timer_of).collect())
    }
}

impl Store {
    /// When the next pending timer is due (an index lookup, whatever the table's size).
    pub async fn next_timer_due(&self) -> Result<Option<i64>> {
        let sql = "SELECT due_at FROM timers WHERE state = 'pending' ORDER BY due_at LIMIT 1";
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(sql).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// A timer's run failed: try again later, or give up after `max` attempts.
    pub async fn timer_failed(
        &self,
        id: i64,
        retry_at: i64,
        error: &str,
        max: i64,
    ) -> Result<bool> {
        let sql = "UPDATE timers SET attempts = attempts + 1, due_at = $2, result = $3, \
                   state = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END \
                   WHERE id = $1 RETURNING state";
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(sql).bind(id).bind(retry_at).bind(error).bind(max).fetch_optional(p).await?);
        Ok(row.is_some_and(|r| r.0 == "failed"))
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        let row: Option<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(key).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }
}

impl Tx {
    pub async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        let row: Option<(String,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(key).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    pub async fn set_setting(&mut self, key: &str, value: &str, now: i64) -> Result<()> {
        let sql = "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        on_tx!(self, c => sqlx::query(sql).bind(key).bind(value).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}
