//! The narrow storage interface. One behaviour, two backends: SQLite (embedded default)
//! and PostgreSQL (scale-out). Most SQL is shared; `on_pool!`/`on_tx!` run the same code
//! against whichever backend is open.
mod audit;
pub(crate) mod batch;
mod board;
mod delivery;
mod escalation;
pub mod fault;
mod figures;
mod gauges;
mod hazards;
mod inbox;
mod leader;
mod limits;
mod org;
mod retention;
mod roster;
mod timers;
mod tips;
mod warnings;
mod wecom;
mod zero;

pub use audit::{AdminEvent, AuditRow};
pub use batch::Batch;
pub use board::{BoardEscalation, BoardWarning};
pub use delivery::{Claimed, DueMessage, Outgoing, SentState, GIVEN_UP, PLAN_BY_QUEUE};
pub use escalation::{EscalationRow, EscalationState, Event, NewEscalation, Recipient};
pub use fault::{Fault, Faults, Worker};
pub use figures::{HazardFigures, TipFigures};
pub use gauges::Gauges;
pub use hazards::{Hazard, HazardEvent, HazardState, NewHazard};
pub use inbox::{InboxItem, NewUpdate};
pub use leader::{Job, JobLock};
pub use org::{Joiner, RedeemOutcome, Sender};
pub use roster::{Entry, OnShift, Staff, Swap, SwapState};
pub use timers::{NewTimer, Timer};
pub use tips::{TipChat, TipEntry, TipRow, TipWait};
pub use warnings::{
    Candidate, NewWarning, RecipientState, UnitTally, WarningRecipient, WarningRow,
};
pub use wecom::WecomArrival;
pub use zero::{Answer, BoardLine, ExpectedUnit, LastAnswer, Round, UnitStats};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://FILE or postgres://…")]
    BadUrl(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("update {0} was already handled")]
    AlreadyHandled(i64),
    /// Two uses of a batch's one transaction at once (see `Batch::read`).
    #[error("busy: {0}")]
    Busy(&'static str),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    /// Inside a batch of updates: every read and write goes through its transaction.
    Batch(Batch),
}

/// One database transaction: state changes, outbox rows and timers commit together.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    /// A savepoint in a batch's transaction.
    Batch(batch::Savepoint),
}

/// Run the same expression with `$c` bound to the backend's pool.
macro_rules! on_pool {
    ($store:expr, $c:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($c) => $body,
            $crate::store::Store::Postgres($c) => $body,
            $crate::store::Store::Batch(b) => {
                let mut open = b.read().await?;
                match &mut open.tx {
                    $crate::store::batch::Conn::Sqlite(t) => {
                        let $c = &mut **t;
                        $body
                    }
                    $crate::store::batch::Conn::Postgres(t) => {
                        let $c = &mut **t;
                        $body
                    }
                }
            }
        }
    };
}

/// Run the same expression with `$c` bound to the backend's open transaction (`&mut *$c` is
/// the connection to execute on).
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite($c) => $body,
            $crate::store::Tx::Postgres($c) => $body,
            $crate::store::Tx::Batch(sp) => match &mut sp.0.tx {
                $crate::store::batch::Conn::Sqlite($c) => $body,
                $crate::store::batch::Conn::Postgres($c) => $body,
            },
        }
    };
}
pub(crate) use {on_pool, on_tx};

impl Store {
    /// Open the database named by `url`, creating a SQLite file if missing.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Deleted rows (tip drafts, erased payloads) are overwritten, not left on disk.
                .pragma("secure_delete", "ON");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .after_release(|conn, _| {
                    Box::pin(async move {
                        // A transaction that met a full disk may have been rolled back by
                        // SQLite itself; sqlx's own rollback then fails and the connection
                        // believes it is still inside one, refusing every `BEGIN` after. Such
                        // a connection is closed, not given back to the pool. (Taking the
                        // handle first lets a queued rollback finish.)
                        conn.lock_handle().await?;
                        Ok(!conn.is_in_transaction())
                    })
                })
                .connect_with(opts)
                .await?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
            Store::Batch(_) => return Err(StoreError::Busy("migrating inside a batch")),
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// read-then-write transactions wait for each other instead of failing.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
            Store::Batch(b) => Tx::Batch(b.savepoint().await?),
        })
    }

    /// A transaction that only reads, for reports run beside a serving bot: on SQLite a
    /// deferred one, which neither waits for the bot's write lock nor holds its writers up.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
            Store::Batch(b) => Tx::Batch(b.savepoint().await?),
        })
    }

    /// `clause` on PostgreSQL only (see `Tx::lock_clause`).
    pub(crate) fn lock_clause(&self, clause: &'static str) -> &'static str {
        if self.is_postgres() {
            clause
        } else {
            ""
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        match self {
            Store::Sqlite(_) => false,
            Store::Postgres(_) => true,
            Store::Batch(b) => b.is_postgres(),
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
            Store::Batch(_) => {}
        }
    }
}

impl Tx {
    /// `clause` on PostgreSQL (row locks), nothing on SQLite (the transaction holds the only
    /// write lock already).
    pub(crate) fn lock_clause(&self, clause: &'static str) -> &'static str {
        if self.is_postgres() {
            clause
        } else {
            ""
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        match self {
            Tx::Sqlite(_) => false,
            Tx::Postgres(_) => true,
            Tx::Batch(sp) => sp.is_postgres(),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
            Tx::Batch(sp) => sp.release().await?,
        }
        Ok(())
    }
}
