//! `lookout warn`: a warning from the flags, or from a CAP 1.2 alert (issue, update, cancel).
//! The running bot sends it; the warning's id is the last line printed.
use crate::app;
use crate::clock::Clock;
use crate::config::{Config, Span};
use crate::ids::WarningId;
use crate::tr;
use crate::warning::{self, upstream::Done};
use anyhow::{bail, Context as _};
use std::path::PathBuf;

/// What to warn with.
pub enum What {
    Cap(PathBuf),
    Flags {
        unit: String,
        level: String,
        expires: Option<Span>,
        exercise: bool,
        text: String,
    },
}

pub async fn warn(database_url: &str, config: Config, what: What) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    let clock = Clock::system();
    let now = clock.now_ms();
    let locale = config.locale;
    let ctx = app::offline_ctx(store.clone(), config, clock)?;
    let mut tx = store.begin().await?;
    let done = match what {
        What::Cap(file) => {
            // Bytes: the file names its own encoding (GBK, ISO-8859-1…). At most one byte
            // over the limit is read, so that an oversized file is refused by the parser
            // without being held whole.
            let mut xml = Vec::new();
            std::fs::File::open(&file)
                .and_then(|f| {
                    let limit = warning::cap::MAX_BYTES as u64 + 1;
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut xml)
                })
                .with_context(|| format!("reading {}", file.display()))?;
            warning::upstream::from_cap(&ctx, &mut tx, &xml, now)
                .await
                .with_context(|| format!("{}: refused, nothing was sent", file.display()))?
        }
        What::Flags {
            unit,
            level,
            expires,
            exercise,
            text,
        } => {
            let Some(level) = warning::Level::parse(&level) else {
                bail!("--level {level:?}: expected blue, yellow, orange or red");
            };
            if text.trim().is_empty() {
                bail!("the warning needs a text");
            }
            let flags = warning::upstream::Flags {
                unit,
                level,
                text: text.trim().to_string(),
                expires_at: expires.map(|s| now + s.as_std().as_millis() as i64),
                exercise,
            };
            warning::upstream::from_flags(&ctx, &mut tx, flags, now)
                .await
                .context("refused, nothing was sent")?
        }
    };
    tx.commit().await?;
    let i18n = &ctx.i18n;
    let last = match done {
        Done::Issued {
            id,
            targeted,
            unreachable,
            replaced,
            unmatched,
        } => {
            // Lines before the last: scripts read the id from the last one.
            if !unmatched.is_empty() {
                let count = unmatched.len() as i64;
                println!("{}", tr!(i18n, locale, "cli-warn-unmatched", count = count));
                for area in &unmatched {
                    println!("  {area}");
                }
            }
            if let Some(old) = replaced {
                let old = WarningId(old).to_string();
                println!("{}", tr!(i18n, locale, "cli-warn-replaced", id = old));
            }
            let wid = WarningId(id).to_string();
            let (targeted, unreachable) = (targeted as i64, unreachable as i64);
            println!(
                "{}",
                tr!(
                    i18n,
                    locale,
                    "cli-warn-issued",
                    id = wid.clone(),
                    targeted = targeted,
                    unreachable = unreachable
                )
            );
            wid
        }
        Done::Ended(ids) => {
            let ids: Vec<String> = ids.into_iter().map(|n| WarningId(n).to_string()).collect();
            let ended = ids.join(" ");
            println!("{}", tr!(i18n, locale, "cli-warn-ended", ids = ended));
            ids.last().cloned().unwrap_or_default()
        }
        Done::Ignored(references) => {
            // Not an error (exit 0): nothing here to cancel. stdout stays empty, as no
            // warning is named; stderr says why.
            let why = tr!(
                i18n,
                locale,
                "cli-warn-cancel-ignored",
                references = references
            );
            eprintln!("{why}");
            return Ok(());
        }
        Done::Duplicate(id) => {
            let wid = WarningId(id).to_string();
            println!(
                "{}",
                tr!(i18n, locale, "cli-warn-duplicate", id = wid.clone())
            );
            wid
        }
    };
    println!("{last}");
    Ok(())
}
