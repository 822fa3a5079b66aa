//! What the machine under the store is doing wrong: a full disk, an unreachable database.
//! The loops that work the store (intake, processor, sender, timers) report each failure
//! and each success here, and `/readyz` reads it. A fault is said in the log once a minute,
//! not once per attempt, and counted per kind (`lookout_store_errors_total{kind}`); the work
//! that met it is retried as it was, never counted as an attempt of its own (a full disk must
//! not give up a reminder).
use super::StoreError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fault of the machine, not of the work: the same work succeeds once it is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    DiskFull,
    Unreachable,
}

impl Fault {
    /// What `/readyz` says, and the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::DiskFull => "disk full",
            Fault::Unreachable => "database unreachable",
        }
    }

    /// The `kind` label of `lookout_store_errors_total`.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::DiskFull => "disk_full",
            Fault::Unreachable => "unreachable",
        }
    }

    pub const ALL: [Fault; 2] = [Fault::DiskFull, Fault::Unreachable];

    /// The fault behind a store error, if it is one.
    pub fn of(error: &StoreError) -> Option<Fault> {
        match error {
            StoreError::Db(e) => Self::of_sqlx(e),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => Self::of_sqlx(e),
            _ => None,
        }
    }

    fn of_sqlx(e: &sqlx::Error) -> Option<Fault> {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Some(Fault::Unreachable),
            sqlx::Error::Database(db) => {
                let code = db.code()?;
                if code.len() == 5 {
                    // PostgreSQL's SQLSTATE: disk_full, and the classes that mean the server
                    // or the connection is gone (08 connection exceptions, 57P shutdowns).
                    match code.as_ref() {
                        "53100" => Some(Fault::DiskFull),
                        c if c.starts_with("08") || c.starts_with("57P") => {
                            Some(Fault::Unreachable)
                        }
                        _ => None,
                    }
                } else {
                    // SQLite's extended result code: SQLITE_FULL, and its I/O errors (10 in
                    // the low byte), which a disk without room gives while growing the WAL.
                    match code.parse::<u32>().ok()? & 0xff {
                        13 | 10 => Some(Fault::DiskFull),
                        _ => None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// Which loop met the fault: the store is ready only when none of them is stuck on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Worker {
    Intake,
    Processor,
    Sender,
    Timers,
}

/// How often a lasting fault is said again in the log.
const SAY_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
struct State {
    /// The loops stuck on a fault now, and which.
    stuck: HashMap<Worker, Fault>,
    /// When each fault was last said in the log.
    said: HashMap<Fault, Instant>,
}

/// Shared by the loops of one running bot.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `worker`'s work failed with `error`. Returns the fault when it is one (the caller
    /// retries the same work later, counting no attempt); the log and the metric are done here.
    pub fn failed(&self, worker: Worker, what: &str, error: &StoreError) -> Option<Fault> {
        let fault = Fault::of(error)?;
        crate::metrics::store_error(fault.kind());
        let mut s = self.state();
        s.stuck.insert(worker, fault);
        let now = Instant::now();
        let due = s.said.get(&fault).is_none_or(|at| now - *at >= SAY_EVERY);
        if due {
            s.said.insert(fault, now);
            tracing::error!(
                fault = fault.as_str(),
                error = %error,
                "{what} failed: {}; retrying until it is fixed (said once a minute)",
                fault.as_str()
            );
        }
        Some(fault)
    }

    /// `worker`'s work went through: whatever it was stuck on is gone for it.
    pub fn ok(&self, worker: Worker) {
        let mut s = self.state();
        if let Some(fault) = s.stuck.remove(&worker) {
            if !s.stuck.values().any(|f| *f == fault) {
                s.said.remove(&fault);
                tracing::warn!(fault = fault.as_str(), "the store works again: resuming");
            }
        }
    }

    /// The fault some loop is stuck on now, the disk first.
    pub fn current(&self) -> Option<Fault> {
        let s = self.state();
        Fault::ALL
            .into_iter()
            .find(|f| s.stuck.values().any(|g| g == f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(code: &str) -> StoreError {
        #[derive(Debug)]
        struct E(String);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "code {}", self.0)
            }
        }
        impl std::error::Error for E {}
        impl sqlx::error::DatabaseError for E {
            fn message(&self) -> &str {
                "test"
            }
            fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
                Some(self.0.as_str().into())
            }
            fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
                self
            }
            fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
                self
            }
            fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
                self
            }
            fn kind(&self) -> sqlx::error::ErrorKind {
                sqlx::error::ErrorKind::Other
            }
        }
        StoreError::Db(sqlx::Error::Database(Box::new(E(code.into()))))
    }

    #[test]
    fn faults_are_told_from_errors_of_the_work() {
        assert_eq!(Fault::of(&db_error("13")), Some(Fault::DiskFull));
        assert_eq!(Fault::of(&db_error("778")), Some(Fault::DiskFull)); // SQLITE_IOERR_WRITE
        assert_eq!(Fault::of(&db_error("53100")), Some(Fault::DiskFull));
        assert_eq!(Fault::of(&db_error("57P01")), Some(Fault::Unreachable));
        assert_eq!(Fault::of(&db_error("08006")), Some(Fault::Unreachable));
        assert_eq!(
            Fault::of(&StoreError::Db(sqlx::Error::PoolTimedOut)),
            Some(Fault::Unreachable)
        );
        // A constraint or a bug in the work is not the machine's fault.
        assert_eq!(Fault::of(&db_error("2067")), None); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(Fault::of(&db_error("23505")), None);
        assert_eq!(Fault::of(&StoreError::Busy("x")), None);
    }

    #[test]
    fn ready_again_only_when_every_stuck_loop_went_through() {
        let f = Faults::default();
        let full = db_error("13");
        assert_eq!(f.current(), None);
        assert_eq!(
            f.failed(Worker::Intake, "storing", &full),
            Some(Fault::DiskFull)
        );
        assert_eq!(
            f.failed(Worker::Sender, "sending", &full),
            Some(Fault::DiskFull)
        );
        assert_eq!(f.failed(Worker::Timers, "x", &StoreError::Busy("y")), None);
        f.ok(Worker::Intake);
        assert_eq!(f.current(), Some(Fault::DiskFull));
        f.ok(Worker::Timers);
        f.ok(Worker::Sender);
        assert_eq!(f.current(), None);
    }
}
