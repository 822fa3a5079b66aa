//! Serving: `run` (the bot), `demo`, `migrate` and `backup`.
use super::settings;
use crate::config::Config;
use crate::i18n::I18n;
use crate::{app, tr};
use std::net::SocketAddr;
use std::path::Path;

/// `lookout run`: migrate, then serve until SIGINT/SIGTERM; exits non-zero when a loop of
/// the bot stops by itself, so that the service manager starts it again.
pub async fn run(
    database_url: &str,
    mut config: Config,
    webhook: Option<SocketAddr>,
    public_url: Option<String>,
    http: Option<SocketAddr>,
) -> anyhow::Result<()> {
    if let Some(addr) = http {
        config.http.listen = Some(addr);
    }
    let settings = settings::bot(database_url, config, webhook, public_url)?;
    let mut running = app::start(settings).await?;
    match running.webhook_addr {
        Some(addr) => tracing::info!(%addr, "Lookout is running (webhook mode)"),
        None => tracing::info!("Lookout is running (long polling)"),
    }
    if let Some(addr) = running.http_addr {
        tracing::info!(%addr, "health and metrics: /healthz /readyz /metrics");
    }
    tokio::select! {
        _ = until_signal() => {}
        name = running.died() => {
            anyhow::bail!("{name} stopped unexpectedly; exiting so that the service manager starts Lookout again");
        }
    }
    tracing::info!("stopping: finishing the updates and messages in hand");
    running.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// `lookout backup FILE`: a consistent copy of the SQLite database.
pub async fn backup(database_url: &str, file: &Path) -> anyhow::Result<()> {
    let (db, bytes) = crate::ops::backup::backup(database_url, file).await?;
    println!(
        "backed up {} to {} ({bytes} bytes)",
        db.display(),
        file.display()
    );
    Ok(())
}

/// `lookout demo [--board]`: a sample district against the built-in simulator.
pub async fn demo(config: Config, board: bool) -> anyhow::Result<()> {
    let until = board.then(|| Box::pin(until_signal()) as _);
    crate::demo::run(config, until).await
}

/// `lookout migrate`.
pub async fn migrate(database_url: &str, config: &Config) -> anyhow::Result<()> {
    app::open_store(database_url).await?;
    println!("{}", tr!(I18n::load()?, config.locale, "cli-migrated"));
    Ok(())
}

/// Ctrl-C, or SIGTERM from the service manager.
async fn until_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
