//! Is the fire season on? The calendar from the config, unless an admin overrode it.
use crate::context::Ctx;
use crate::store::{Store, StoreError, Tx};
use chrono::{DateTime, Utc};

const KEY: &str = "season_override";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    On,
    Off,
    Auto,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" => Some(Mode::On),
            "off" => Some(Mode::Off),
            "auto" => Some(Mode::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::On => "on",
            Mode::Off => "off",
            Mode::Auto => "auto",
        }
    }
}

pub async fn mode(store: &Store) -> Result<Mode, StoreError> {
    Ok(store
        .setting(KEY)
        .await?
        .as_deref()
        .and_then(Mode::parse)
        .unwrap_or(Mode::Auto))
}

pub async fn set_mode(tx: &mut Tx, mode: Mode, now: i64) -> Result<(), StoreError> {
    tx.set_setting(KEY, mode.as_str(), now).await
}

/// The answer for one instant, given the override.
pub fn is_on_with(ctx: &Ctx, mode: Mode, at: DateTime<Utc>) -> bool {
    match mode {
        Mode::On => true,
        Mode::Off => false,
        Mode::Auto => ctx
            .config
            .fire_season
            .contains(at.with_timezone(&ctx.config.timezone).date_naive()),
    }
}

pub async fn is_on(ctx: &Ctx, at: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(is_on_with(ctx, mode(&ctx.store).await?, at))
}
