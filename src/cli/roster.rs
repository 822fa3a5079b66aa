//! `lookout roster import|export` and `lookout people`.
use crate::app;
use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::I18n;
use crate::tr;
use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use std::path::Path;

pub async fn import(database_url: &str, config: &Config, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let store = app::open_store(database_url).await?;
    let source = file.display().to_string();
    let (rows, shifts) =
        crate::roster::import(&store, &text, &source, Clock::system().now_ms()).await?;
    let (rows, shifts) = (rows as i64, shifts as i64);
    let i18n = I18n::load()?;
    let done = tr!(
        i18n,
        config.locale,
        "cli-roster-imported",
        rows = rows,
        shifts = shifts
    );
    println!("{done}");
    Ok(())
}

pub async fn export(
    database_url: &str,
    unit: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    // Days are compared as text in the store: four-digit years bound them.
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    let rows = store
        .roster(unit, from.unwrap_or(first), to.unwrap_or(last))
        .await?;
    print!("{}", crate::roster::export(&rows));
    Ok(())
}

pub async fn people(database_url: &str, unit: Option<&str>) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    if let Some(u) = unit {
        if store.unit(u).await?.is_none() {
            bail!("unknown unit {u:?}");
        }
    }
    print!("{}", crate::roster::people(&store.staff(unit).await?));
    Ok(())
}
