//! One write transaction for a batch of updates (SQLite: every pending update; PostgreSQL:
//! those this process leased). Each update runs inside a savepoint of it, and everything its handlers read or write goes through the same transaction
//! (`Store::Batch`), so a later update sees what an earlier one did and the batch commits
//! once. A handler's own transaction is a savepoint inside the update's.
use super::{Result, Store, StoreError};
use sqlx::{Postgres, Sqlite, Transaction};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The batch's transaction, on either backend.
pub enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

pub struct Open {
    pub(super) tx: Conn,
    /// A handler's savepoint was begun and neither committed nor rolled back: dropped, which
    /// means rolled back, done at the next chance.
    abandoned: bool,
}

/// The open transaction of a batch; cloned into the store its handlers use.
#[derive(Clone)]
pub struct Batch {
    open: Arc<Mutex<Open>>,
    postgres: bool,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batch")
    }
}

/// A handler's transaction inside the batch: released on commit, rolled back if dropped.
pub struct Savepoint(pub(super) OwnedMutexGuard<Open>);

async fn run(open: &mut Open, sql: &str) -> Result<()> {
    match &mut open.tx {
        Conn::Sqlite(t) => sqlx::query(sql).execute(&mut **t).await.map(drop)?,
        Conn::Postgres(t) => sqlx::query(sql).execute(&mut **t).await.map(drop)?,
    }
    Ok(())
}

/// Undo a dropped handler savepoint (what rolling back a dropped transaction means).
async fn settle(open: &mut Open) -> Result<()> {
    if std::mem::take(&mut open.abandoned) {
        run(open, "ROLLBACK TO handler").await?;
        run(open, "RELEASE handler").await?;
    }
    Ok(())
}

impl Batch {
    /// Begin the batch's transaction (on SQLite taking the write lock at once).
    pub async fn begin(store: &Store) -> Result<Batch> {
        let tx = match store {
            Store::Sqlite(p) => Conn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(p) => Conn::Postgres(p.begin().await?),
            Store::Batch(_) => return Err(StoreError::Busy("a batch inside a batch")),
        };
        Ok(Batch {
            postgres: matches!(tx, Conn::Postgres(_)),
            open: Arc::new(Mutex::new(Open {
                tx,
                abandoned: false,
            })),
        })
    }

    pub(super) fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// The store the batch's handlers work with.
    pub fn store(&self) -> Store {
        Store::Batch(self.clone())
    }

    /// Begin an update: what it does can be undone alone.
    pub async fn start_update(&self) -> Result<()> {
        run(&mut *self.open.lock().await, "SAVEPOINT upd").await
    }

    /// End an update: keep what it did, or undo all of it.
    pub async fn end_update(&self, keep: bool) -> Result<()> {
        let mut open = self.open.lock().await;
        settle(&mut open).await?;
        if !keep {
            run(&mut open, "ROLLBACK TO upd").await?;
        }
        run(&mut open, "RELEASE upd").await
    }

    /// Commit everything the batch's updates did.
    pub async fn commit(self) -> Result<()> {
        let open = Arc::try_unwrap(self.open)
            .map_err(|_| StoreError::Busy("the batch is still in use at its commit"))?
            .into_inner();
        match open.tx {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// The transaction for one read or write outside a handler's own transaction. A handler
    /// that reads through the store while holding its transaction gets `Busy` instead of
    /// waiting for itself: its update is rolled back and retried alone, outside a batch.
    pub(super) async fn read(&self) -> Result<OwnedMutexGuard<Open>> {
        let mut open = self
            .open
            .clone()
            .try_lock_owned()
            .map_err(|_| StoreError::Busy("a read beside an open transaction in a batch"))?;
        settle(&mut open).await?;
        Ok(open)
    }

    pub(super) async fn savepoint(&self) -> Result<Savepoint> {
        let mut open = self.read().await?;
        run(&mut open, "SAVEPOINT handler").await?;
        open.abandoned = true;
        Ok(Savepoint(open))
    }
}

impl Savepoint {
    pub(super) fn is_postgres(&self) -> bool {
        matches!(self.0.tx, Conn::Postgres(_))
    }

    /// Keep what the handler did. No statement: the savepoint stays on the stack until
    /// its update's `RELEASE upd` (or `ROLLBACK TO upd`) ends it with the update, and a later
    /// handler savepoint of the same name is the one a rollback finds, as it is the newest.
    pub(super) async fn release(mut self) -> Result<()> {
        self.0.abandoned = false;
        Ok(())
    }
}
