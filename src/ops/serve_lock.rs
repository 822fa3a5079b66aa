//! One `lookout run` per SQLite file. PostgreSQL divides the jobs (polling, sending) among
//! replicas with advisory locks; SQLite has none that span processes, so two servers on one
//! file would both poll and both send. A server holds an OS lock on `FILE.lock` for its whole
//! life. The kernel drops it when the process dies, even by SIGKILL, so a crash leaves
//! nothing stale to clean up. Other commands (migrate, backup, stats, …) do not take it.
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another lookout is already serving {} (lock file {}{}); stop it first",
        db.display(),
        lock.display(),
        holder.map(|p| format!(", held by pid {p}")).unwrap_or_default()
    )]
    Held {
        db: PathBuf,
        lock: PathBuf,
        holder: Option<u32>,
    },
    #[error("taking the lock file {}: {source}", lock.display())]
    Io {
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held while this process serves the file; dropping it lets the next one start.
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

/// The lock file of a database file.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Take the serving lock of the SQLite file behind `database_url`; `None` when there is no
/// file to guard (PostgreSQL, in-memory).
pub fn acquire(database_url: &str) -> Result<Option<ServeLock>, LockError> {
    let Some(db) = super::sqlite_file(database_url) else {
        return Ok(None);
    };
    let lock = lock_path(&db);
    let io = |source| LockError::Io {
        lock: lock.clone(),
        source,
    };
    // Not truncated on open: the holder's pid stays readable for the refusal message.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&lock)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            return Err(LockError::Held { db, lock, holder });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(Some(ServeLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lookout.db");
        let url = format!("sqlite://{}", db.display());
        let first = acquire(&url).unwrap().expect("a file to guard");
        let err = acquire(&url).unwrap_err().to_string();
        assert!(err.contains(&db.display().to_string()), "{err}");
        assert!(err.contains("lookout.db.lock"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(acquire(&url).unwrap().is_some());
        assert!(acquire("sqlite::memory:").unwrap().is_none());
    }
}
