//! Jobs one process does at a time. Telegram allows one `getUpdates` per bot, and its rate
//! limits are per bot, so among replicas on PostgreSQL one polls and one sends, each holding
//! a session advisory lock: when the holder dies its connection closes, the lock goes with
//! it, and another replica takes over. SQLite has one process, which does both.
use super::{Result, Store};
use sqlx::{Connection, PgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Poller,
    Sender,
}

impl Job {
    /// The first half of the advisory lock key; the second is the hash of the schema, so
    /// bots in different schemas of one database do not take each other's jobs.
    pub fn lock_class(self) -> i32 {
        match self {
            Job::Poller => 0x4c4b_0001,
            Job::Sender => 0x4c4b_0002,
        }
    }
}

/// Held while this process does the job.
pub enum JobLock {
    Sqlite,
    /// The lock lives as long as this dedicated connection.
    Postgres(PgConnection),
}

impl Store {
    /// Take the job if nobody holds it.
    pub async fn try_job(&self, job: Job) -> Result<Option<JobLock>> {
        match self {
            Store::Sqlite(_) | Store::Batch(_) => Ok(Some(JobLock::Sqlite)),
            Store::Postgres(p) => {
                // Outside the pool, so the lock is not handed on with a pooled connection.
                let mut conn = p.acquire().await?.detach();
                let sql = "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))";
                let got: bool = sqlx::query_scalar(sql)
                    .bind(job.lock_class())
                    .fetch_one(&mut conn)
                    .await?;
                Ok(got.then_some(JobLock::Postgres(conn)))
            }
        }
    }
}

impl JobLock {
    /// Whether the job is still ours: the lock's connection is alive (a broken connection
    /// has released it to another replica).
    pub async fn held(&mut self) -> bool {
        match self {
            JobLock::Sqlite => true,
            JobLock::Postgres(c) => c.ping().await.is_ok(),
        }
    }
}
