//! Running it for years: the HTTP listener for health checks and metrics, the lock that
//! keeps one server per SQLite file, and backups.
pub mod backup;
pub mod http;
pub mod metrics;
pub mod serve_lock;

use std::path::PathBuf;
use std::str::FromStr;

/// The file behind a SQLite `DATABASE_URL`, made absolute; `None` for PostgreSQL, an
/// in-memory database or a URL that does not parse (opening it reports that).
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    if !database_url.starts_with("sqlite:")
        || database_url.contains(":memory:")
        || database_url.contains("mode=memory")
    {
        return None;
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(database_url).ok()?;
    std::path::absolute(opts.get_filename()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            sqlite_file("sqlite://lookout.db"),
            Some(cwd.join("lookout.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/lookout/lookout.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/lookout/lookout.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }
}
