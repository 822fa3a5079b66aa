//! `lookout backup FILE`: a consistent copy of the SQLite database, taken while the bot runs.
//! `VACUUM INTO` reads one snapshot (in WAL mode writers go on meanwhile) and writes it as a
//! compact database of its own. The copy is written under a temporary name beside FILE and
//! renamed into place only when complete, so FILE is never half a database.
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "`lookout backup` copies SQLite databases; for PostgreSQL use pg_dump, \
         e.g. pg_dump --format=custom --file=lookout.dump \"$DATABASE_URL\""
    )]
    Postgres,
    #[error("an in-memory database has nothing on disk to back up")]
    InMemory,
    #[error("there is no database at {}", .0.display())]
    NoDatabase(PathBuf),
    #[error("{} already exists; a backup never overwrites a file, so name a new one", .0.display())]
    Exists(PathBuf),
    #[error("writing {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("copying the database: {0}")]
    Store(#[from] StoreError),
}

/// Copy the database behind `database_url` to `file`; returns the database copied and the
/// size of the copy in bytes.
pub async fn backup(database_url: &str, file: &Path) -> Result<(PathBuf, u64), BackupError> {
    if !database_url.starts_with("sqlite:") {
        return Err(BackupError::Postgres);
    }
    let db = super::sqlite_file(database_url).ok_or(BackupError::InMemory)?;
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db));
    }
    let file = std::path::absolute(file).map_err(|source| BackupError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    if file.exists() {
        return Err(BackupError::Exists(file));
    }
    let io = |source| BackupError::Io {
        path: file.clone(),
        source,
    };
    let dir = file.parent().unwrap_or(Path::new("/"));
    // Mode 0600: the copy holds the same personal data as the database.
    let partial = tempfile::Builder::new()
        .prefix(".lookout-backup-")
        .tempfile_in(dir)
        .map_err(io)?;
    let store = Store::connect(database_url).await?;
    let copied = vacuum_into(&store, partial.path()).await;
    store.close().await;
    copied?;
    partial.as_file().sync_all().map_err(io)?;
    let size = partial.as_file().metadata().map_err(io)?.len();
    partial
        .persist_noclobber(&file)
        .map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(file.clone()),
            _ => io(e.error),
        })?;
    Ok((db, size))
}

async fn vacuum_into(store: &Store, target: &Path) -> Result<(), StoreError> {
    let Store::Sqlite(pool) = store else {
        return Err(StoreError::BadUrl("not SQLite".into()));
    };
    let target = target.to_string_lossy().into_owned();
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}
