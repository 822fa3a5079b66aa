//! Reports: `lookout stats` (zero-report timeliness) and `lookout audit` (the audit trail).
use super::{AuditFormat, Format};
use crate::app;
use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::I18n;
use crate::{stats, tr};
use anyhow::{bail, Context as _};
use chrono::NaiveDate;

/// Today in the district's time zone: the default month of both reports.
fn today(config: &Config) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&config.timezone)
        .date_naive()
}

pub async fn stats(
    database_url: &str,
    config: &Config,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    format: Format,
) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    let (month_from, month_to) = stats::month_of(today(config));
    let from = from.map(|d| d.to_string()).unwrap_or(month_from);
    let to = to.map(|d| d.to_string()).unwrap_or(month_to);
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let figures = stats::gather(&store, config, &from, &to, Clock::system().now_ms()).await?;
    match format {
        Format::Csv => print!("{}", stats::csv(&figures)),
        Format::Table => {
            let i18n = I18n::load()?;
            let title = tr!(i18n, config.locale, "zr-stats-title", from = from, to = to);
            println!("{title}");
            println!("{}", stats::table(&i18n, config.locale, &figures));
        }
    }
    Ok(())
}

pub async fn audit(
    database_url: &str,
    config: &Config,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    format: AuditFormat,
) -> anyhow::Result<()> {
    let (from, to) = crate::audit::days(from, to, today(config))?;
    let store = app::open_store(database_url).await?;
    let format = match format {
        AuditFormat::Csv => crate::audit::Format::Csv,
        AuditFormat::Jsonl => crate::audit::Format::Jsonl,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    crate::audit::export(&store, config.timezone, from, to, format, &mut out).await?;
    std::io::Write::flush(&mut out).context("writing the export")?;
    Ok(())
}
