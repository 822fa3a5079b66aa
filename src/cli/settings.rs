//! Every setting the command line reads, in one place: the config file, the environment
//! (`TELOXIDE_TOKEN`, `TELOXIDE_API_URL`, `LOOKOUT_WEBHOOK_SECRET`, `LOOKOUT_TIP_KEY`,
//! `LOOKOUT_WECOM_SECRET`, `LOOKOUT_WECOM_TOKEN`, `LOOKOUT_WECOM_AES_KEY`) and the
//! log filter (`RUST_LOG`). `DATABASE_URL`, `LOOKOUT_CONFIG` and `LOOKOUT_WEBHOOK_URL` come
//! through clap with their flags.
use crate::app::{Settings, Webhook, WecomSecrets};
use crate::config::Config;
use crate::crypto::{self, TipKey};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::Path;

/// The config file, or the built-in defaults without one.
pub fn config(path: Option<&Path>) -> anyhow::Result<Config> {
    Ok(match path {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    })
}

/// Logs to stderr, filtered by `RUST_LOG` or else `default`.
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What `lookout run` serves with: the bot's token and API, the webhook if asked for, the
/// tip key (`LOOKOUT_TIP_KEY`, else the key file in the working directory).
pub fn bot(
    database_url: &str,
    config: Config,
    webhook: Option<SocketAddr>,
    public_url: Option<String>,
) -> anyhow::Result<Settings> {
    let token =
        env("TELOXIDE_TOKEN").context("TELOXIDE_TOKEN is not set: `run` needs the bot token")?;
    let api_url = env("TELOXIDE_API_URL").unwrap_or_else(|| "https://api.telegram.org/".into());
    let mut settings = Settings::new(&token, &api_url, database_url, config);
    if let Some(listen) = webhook {
        let secret = env("LOOKOUT_WEBHOOK_SECRET").context(
            "LOOKOUT_WEBHOOK_SECRET is not set: webhook mode needs the secret Telegram presents",
        )?;
        if !crate::telegram::webhook::valid_secret(&secret) {
            anyhow::bail!(
                "LOOKOUT_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"
            );
        }
        settings.webhook = Some(Webhook {
            listen,
            secret,
            public_url,
        });
    }
    // Without it, `app::start` reads the key file in the working directory.
    settings.tip_key = env(crypto::KEY_ENV)
        .map(|hex| TipKey::parse_hex(&hex))
        .transpose()?;
    if settings.config.wecom.is_some() {
        settings.wecom = Some(wecom_secrets()?);
        if settings.config.http.listen.is_none() && settings.webhook.is_none() {
            anyhow::bail!(
                "[wecom] needs an HTTP listener for WeCom's callbacks (/wecom): give --http ADDR, \
                 [http] listen or --webhook"
            );
        }
    }
    Ok(settings)
}

/// WeCom's three secrets, from the environment only (`[wecom]` names the app).
fn wecom_secrets() -> anyhow::Result<WecomSecrets> {
    let need = |name: &str, what: &str| {
        env(name).with_context(|| format!("{name} is not set: [wecom] needs {what}"))
    };
    Ok(WecomSecrets {
        secret: need("LOOKOUT_WECOM_SECRET", "the app's Secret")?,
        token: need("LOOKOUT_WECOM_TOKEN", "the callback's Token")?,
        aes_key: need("LOOKOUT_WECOM_AES_KEY", "the callback's EncodingAESKey")?,
    })
}
