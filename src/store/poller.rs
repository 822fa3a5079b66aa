//! Who may long-poll Telegram. Telegram allows one `getUpdates` per bot at a time, so on
//! PostgreSQL replicas hold a session advisory lock for it: when the holder dies its
//! connection closes, the lock goes with it and another replica takes over. SQLite has
//! one process, which always polls.
use super::{Result, Store};
use sqlx::{Connection, PgConnection};

/// The advisory lock key: "lookout poller" in a fixed number.
const POLLER_LOCK: i64 = 0x6c6f_6f6b_6f75_7401;

/// Held while this process is the one polling.
pub enum PollerLock {
    Sqlite,
    /// The lock lives as long as this dedicated connection.
    Postgres(PgConnection),
}

impl Store {
    /// Take the poller lock if nobody holds it.
    pub async fn try_poller_lock(&self) -> Result<Option<PollerLock>> {
        match self {
            Store::Sqlite(_) => Ok(Some(PollerLock::Sqlite)),
            Store::Postgres(p) => {
                // Outside the pool, so the lock is not returned with a pooled connection.
                let mut conn = p.acquire().await?.detach();
                let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(POLLER_LOCK)
                    .fetch_one(&mut conn)
                    .await?;
                Ok(got.then_some(PollerLock::Postgres(conn)))
            }
        }
    }
}

impl PollerLock {
    /// Whether the lock is still ours: its connection is alive (a broken connection has
    /// released it to another replica).
    pub async fn held(&mut self) -> bool {
        match self {
            PollerLock::Sqlite => true,
            PollerLock::Postgres(c) => c.ping().await.is_ok(),
        }
    }
}
