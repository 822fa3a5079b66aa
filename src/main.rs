//! The `lookout` command line: parse, build, run one command.
use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use lookout::config::{Config, Span};
use lookout::i18n::I18n;
use lookout::ids::WarningId;
use lookout::org::{file as orgfile, invite, Role};
use lookout::stats;
use lookout::{app, clock::Clock, tr, warning};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lookout",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("LOOKOUT_COMMIT"), ")"),
    about = "Zero reports, hazard reports and anonymous tips for emergency duty rooms, on Telegram"
)]
struct Cli {
    /// Config file (TOML); built-in defaults when absent.
    #[arg(long, env = "LOOKOUT_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// sqlite://FILE (created if missing) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://lookout.db",
        global = true,
        hide_env_values = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Migrate the database, then serve the bot (long polling, or webhooks with --webhook).
    Run {
        /// Take updates by webhook, listening on this address (e.g. 0.0.0.0:8443); needs
        /// LOOKOUT_WEBHOOK_SECRET. Updates are posted to /telegram; GET /health reports.
        #[arg(long, value_name = "ADDR")]
        webhook: Option<std::net::SocketAddr>,
        /// The public HTTPS address Telegram should post to (ending in /telegram); when
        /// given, `run` registers it with setWebhook on start.
        #[arg(
            long,
            value_name = "URL",
            requires = "webhook",
            env = "LOOKOUT_WEBHOOK_URL"
        )]
        public_url: Option<String>,
        /// Serve GET /healthz, /readyz and /metrics on this address (e.g. 127.0.0.1:8088);
        /// overrides `[http] listen`. With --webhook they are on the webhook's address too.
        #[arg(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while `run` serves it
    /// (never overwrites FILE). PostgreSQL: use pg_dump.
    Backup { file: PathBuf },
    /// Run a sample district against the built-in Telegram simulator and print the conversation.
    Demo {
        /// Then keep the board (应急指挥“一张图”) open and print its link, until Ctrl-C.
        #[arg(long)]
        board: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// The unit tree.
    Org {
        #[command(subcommand)]
        command: OrgCmd,
    },
    /// Duty rosters (值班表): who is on which day's shift.
    Roster {
        #[command(subcommand)]
        command: RosterCmd,
    },
    /// People with their ids (for roster files), names, usernames, units and roles, as CSV.
    People {
        #[arg(long)]
        unit: Option<String>,
    },
    /// Issue a warning (预警) to a unit and everything below it, or act on a CAP 1.2 alert
    /// (Alert issues, Update replaces, Cancel ends); the warning's id is the last line printed.
    /// The running bot sends it.
    Warn {
        /// A CAP 1.2 XML file instead of the flags, in the encoding it declares. Its areas
        /// that match no unit are listed and not warned; it is refused if none matches.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["unit", "level", "expires", "exercise", "text"])]
        cap: Option<PathBuf>,
        #[arg(long, required_unless_present = "cap")]
        unit: Option<String>,
        /// blue, yellow, orange or red.
        #[arg(long, required_unless_present = "cap")]
        level: Option<String>,
        /// How long the warning holds (default: `warning.expires`), e.g. 6h.
        #[arg(long, value_parser = Span::parse)]
        expires: Option<Span>,
        /// An exercise (演练): marked as one everywhere and counted apart.
        #[arg(long)]
        exercise: bool,
        /// The warning's text.
        #[arg(required_unless_present = "cap")]
        text: Vec<String>,
    },
    /// A link to the board (应急指挥“一张图”) of a unit and everything below it; the link is the
    /// last line printed. Only the token's hash is stored. `--revoke PREFIX` revokes links.
    BoardLink {
        #[arg(long, required_unless_present = "revoke", conflicts_with = "revoke")]
        unit: Option<String>,
        /// How long the link works, e.g. 30d (default: until revoked).
        #[arg(long, value_parser = Span::parse)]
        expires: Option<Span>,
        /// Revoke every link whose token starts with this (the first 8 characters or more).
        #[arg(long, value_name = "TOKEN_PREFIX")]
        revoke: Option<String>,
    },
    /// Create an invite code; the code is the last line printed.
    Invite {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        role: Role,
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// How long the code stays valid, e.g. 7d, 12h.
        #[arg(long, value_parser = Span::parse)]
        expires: Option<Span>,
    },
    /// Per-unit zero-report timeliness (及时率) over local days FROM..=TO (default: this month).
    Stats {
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The audit trail over local days FROM..=TO (default: this month): alerts,
    /// acknowledgements, snoozes, hazard steps, the tip desk's steps and rewards, zero-report
    /// answers, pauses and admin changes, with who and when. Nothing of any tipster.
    Audit {
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "csv")]
        format: AuditFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AuditFormat {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Upsert units by id from a TOML org file; the whole file or nothing.
    Import { file: PathBuf },
    /// Print the unit tree in the same format.
    Export,
}

#[derive(Subcommand)]
enum RosterCmd {
    /// Import a CSV roster (`date,unit,role,person`); each (date, unit, role) in it replaces
    /// what was planned. The whole file or nothing.
    Import { file: PathBuf },
    /// Print the roster in the same format (everything, unless limited).
    Export {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable line with its causes; no backtrace for an operator's mistake.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    match cli.command {
        Cmd::Run {
            webhook,
            public_url,
            http,
        } => {
            init_logging("info");
            let token = std::env::var("TELOXIDE_TOKEN")
                .context("TELOXIDE_TOKEN is not set: `run` needs the bot token")?;
            let api_url = std::env::var("TELOXIDE_API_URL")
                .unwrap_or_else(|_| "https://api.telegram.org/".into());
            let mut settings = app::Settings::new(&token, &api_url, &cli.database_url, config);
            if let Some(addr) = http {
                settings.config.http.listen = Some(addr);
            }
            if let Some(listen) = webhook {
                let secret = std::env::var("LOOKOUT_WEBHOOK_SECRET").context(
                    "LOOKOUT_WEBHOOK_SECRET is not set: webhook mode needs the secret Telegram presents",
                )?;
                if !lookout::telegram::webhook::valid_secret(&secret) {
                    anyhow::bail!("LOOKOUT_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -");
                }
                settings.webhook = Some(app::Webhook {
                    listen,
                    secret,
                    public_url,
                });
            }
            let running = app::start(settings).await?;
            match running.webhook_addr {
                Some(addr) => tracing::info!(%addr, "Lookout is running (webhook mode)"),
                None => tracing::info!("Lookout is running (long polling)"),
            }
            if let Some(addr) = running.http_addr {
                tracing::info!(%addr, "health and metrics: /healthz /readyz /metrics");
            }
            let mut running = running;
            tokio::select! {
                _ = running_until_signal() => {}
                name = running.died() => {
                    anyhow::bail!("{name} stopped unexpectedly; exiting so that the service manager starts Lookout again");
                }
            }
            tracing::info!("stopping: finishing the updates and messages in hand");
            running.shutdown().await;
            tracing::info!("stopped");
        }
        Cmd::Backup { file } => {
            init_logging("warn");
            let (db, bytes) = lookout::ops::backup::backup(&cli.database_url, &file).await?;
            println!(
                "backed up {} to {} ({bytes} bytes)",
                db.display(),
                file.display()
            );
        }
        Cmd::Demo { board } => {
            init_logging("warn");
            let until = board.then(|| Box::pin(running_until_signal()) as _);
            lookout::demo::run(config, until).await?;
        }
        Cmd::Migrate => {
            init_logging("info");
            app::open_store(&cli.database_url).await?;
            println!("{}", tr!(I18n::load()?, config.locale, "cli-migrated"));
        }
        Cmd::Org { command } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            match command {
                OrgCmd::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let existing = store.units().await?;
                    let entries = orgfile::parse(&text, &file.display().to_string(), &existing)?;
                    let added = entries
                        .iter()
                        .filter(|e| !existing.iter().any(|u| u.id == e.id))
                        .count();
                    let updated = entries.len() - added;
                    let mut tx = store.begin().await?;
                    tx.import_units(&entries).await?;
                    let detail =
                        format!("{added} added, {updated} updated from {}", file.display());
                    tx.add_admin_event(&lookout::store::AdminEvent {
                        at: Clock::system().now_ms(),
                        kind: "org.imported",
                        unit_id: None,
                        person_id: None,
                        detail: &detail,
                    })
                    .await?;
                    tx.commit().await?;
                    let i18n = I18n::load()?;
                    println!(
                        "{}",
                        tr!(
                            i18n,
                            config.locale,
                            "cli-imported",
                            added = added,
                            updated = updated
                        )
                    );
                }
                OrgCmd::Export => print!("{}", orgfile::export(&store.units().await?)),
            }
        }
        Cmd::Roster { command } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            match command {
                RosterCmd::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let units = lookout::org::tree::UnitTree::new(store.units().await?);
                    let staff = store.staff(None).await?;
                    let name = file.display().to_string();
                    let entries = lookout::roster::parse(&text, &name, &units, &staff)?;
                    let mut shifts: Vec<_> = entries
                        .iter()
                        .map(|e| (e.day, &e.unit_id, e.role))
                        .collect();
                    shifts.sort();
                    shifts.dedup();
                    let mut tx = store.begin().await?;
                    tx.replace_roster(&entries).await?;
                    let detail = format!(
                        "{} rows for {} shifts from {}",
                        entries.len(),
                        shifts.len(),
                        file.display()
                    );
                    tx.add_admin_event(&lookout::store::AdminEvent {
                        at: Clock::system().now_ms(),
                        kind: "roster.imported",
                        unit_id: None,
                        person_id: None,
                        detail: &detail,
                    })
                    .await?;
                    tx.commit().await?;
                    println!(
                        "{}",
                        tr!(
                            I18n::load()?,
                            config.locale,
                            "cli-roster-imported",
                            rows = entries.len() as i64,
                            shifts = shifts.len() as i64
                        )
                    );
                }
                RosterCmd::Export { unit, from, to } => {
                    let first = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
                    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
                    let rows = store
                        .roster(unit.as_deref(), from.unwrap_or(first), to.unwrap_or(last))
                        .await?;
                    print!("{}", lookout::roster::export(&rows));
                }
            }
        }
        Cmd::People { unit } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            if let Some(u) = &unit {
                if store.unit(u).await?.is_none() {
                    bail!("unknown unit {u:?}");
                }
            }
            print!(
                "{}",
                lookout::roster::people(&store.staff(unit.as_deref()).await?)
            );
        }
        Cmd::Stats { from, to, format } => {
            init_logging("warn");
            print_stats(&cli.database_url, &config, from, to, format).await?;
        }
        Cmd::Audit { from, to, format } => {
            init_logging("warn");
            let today = chrono::Utc::now()
                .with_timezone(&config.timezone)
                .date_naive();
            let (from, to) = lookout::audit::days(from, to, today)?;
            let store = app::open_store(&cli.database_url).await?;
            let format = match format {
                AuditFormat::Csv => lookout::audit::Format::Csv,
                AuditFormat::Jsonl => lookout::audit::Format::Jsonl,
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            lookout::audit::export(&store, config.timezone, from, to, format, &mut out).await?;
            std::io::Write::flush(&mut out).context("writing the export")?;
        }
        Cmd::Warn {
            cap,
            unit,
            level,
            expires,
            exercise,
            text,
        } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            let clock = Clock::system();
            let now = clock.now_ms();
            let locale = config.locale;
            let ctx = app::offline_ctx(store.clone(), config, clock)?;
            let mut tx = store.begin().await?;
            let done = match cap {
                Some(file) => {
                    // Bytes: the file names its own encoding (GBK, ISO-8859-1…).
                    // At most one byte over the limit is read, so that an oversized file
                    // is refused by the parser without being held whole.
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
                None => {
                    let level = level.unwrap_or_default();
                    let Some(level) = warning::Level::parse(&level) else {
                        bail!("--level {level:?}: expected blue, yellow, orange or red");
                    };
                    let text = text.join(" ");
                    if text.trim().is_empty() {
                        bail!("the warning needs a text");
                    }
                    let flags = warning::upstream::Flags {
                        unit: unit.unwrap_or_default(),
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
                warning::upstream::Done::Issued {
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
                    println!(
                        "{}",
                        tr!(
                            i18n,
                            locale,
                            "cli-warn-issued",
                            id = wid.clone(),
                            targeted = targeted as i64,
                            unreachable = unreachable as i64
                        )
                    );
                    wid
                }
                warning::upstream::Done::Ended(ids) => {
                    let ids: Vec<String> =
                        ids.into_iter().map(|n| WarningId(n).to_string()).collect();
                    println!(
                        "{}",
                        tr!(i18n, locale, "cli-warn-ended", ids = ids.join(" "))
                    );
                    ids.last().cloned().unwrap_or_default()
                }
                warning::upstream::Done::Ignored(references) => {
                    // Not an error (exit 0): nothing here to cancel. stdout stays empty, as no
                    // warning is named; stderr says why.
                    eprintln!(
                        "{}",
                        tr!(
                            i18n,
                            locale,
                            "cli-warn-cancel-ignored",
                            references = references
                        )
                    );
                    return Ok(());
                }
                warning::upstream::Done::Duplicate(id) => {
                    let wid = WarningId(id).to_string();
                    println!(
                        "{}",
                        tr!(i18n, locale, "cli-warn-duplicate", id = wid.clone())
                    );
                    wid
                }
            };
            println!("{last}");
        }
        Cmd::BoardLink {
            unit,
            expires,
            revoke,
        } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            let clock = Clock::system();
            let now = clock.now_ms();
            let i18n = I18n::load()?;
            let locale = config.locale;
            if let Some(prefix) = revoke {
                let prefix: String = prefix.chars().take(lookout::board::PREFIX_LEN).collect();
                if prefix.chars().count() < lookout::board::PREFIX_LEN {
                    bail!(
                        "--revoke needs the token's first {} characters",
                        lookout::board::PREFIX_LEN
                    );
                }
                let n = store.revoke_board_tokens(&prefix, now).await?;
                println!(
                    "{}",
                    tr!(i18n, locale, "cli-board-revoked", count = n as i64)
                );
                return Ok(());
            }
            let unit = unit.unwrap_or_default();
            let Some(found) = store.unit(&unit).await? else {
                bail!(
                    "unknown unit {unit:?}: import the org file first (`lookout org import FILE`)"
                );
            };
            let base = match (&config.board.public_url, config.http.listen) {
                (Some(u), _) => u.clone(),
                (None, Some(listen)) => url::Url::parse(&format!("http://{listen}"))?,
                (None, None) => bail!(
                    "no address for the link: set [board] public_url (or [http] listen) in the config file"
                ),
            };
            let expires_at = expires.map(|s| now + s.as_std().as_millis() as i64);
            let token =
                lookout::board::issue_token(&store, &found.id, None, now, expires_at).await?;
            let until = match expires_at {
                Some(at) => tr!(
                    i18n,
                    locale,
                    "invite-expires-at",
                    when = lookout::clock::from_ms(at)
                        .with_timezone(&config.timezone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                ),
                None => tr!(i18n, locale, "invite-expires-never"),
            };
            println!(
                "{}",
                tr!(
                    i18n,
                    locale,
                    "cli-board-link",
                    unit = found.name,
                    expires = until
                )
            );
            println!("{}", lookout::board::link(&base, &token));
        }
        Cmd::Invite {
            unit,
            role,
            uses,
            expires,
        } => {
            init_logging("warn");
            let store = app::open_store(&cli.database_url).await?;
            let Some(found) = store.unit(&unit).await? else {
                bail!(
                    "unknown unit {unit:?}: import the org file first (`lookout org import FILE`)"
                );
            };
            if uses == 0 {
                bail!("--uses must be at least 1");
            }
            let now = Clock::system().now_ms();
            let expires_at = expires.map(|s| now + s.as_std().as_millis() as i64);
            let mut tx = store.begin().await?;
            let grant = invite::Grant {
                unit_id: &found.id,
                role,
                uses,
                expires_at,
            };
            let expiry = expires.map(|s| format!("expires in {s}"));
            let code = invite::issue(&mut tx, &grant, None, expiry.as_deref(), now).await?;
            tx.commit().await?;
            let i18n = I18n::load()?;
            let expiry = match expires {
                Some(s) => tr!(i18n, config.locale, "cli-expires-in", span = s.to_string()),
                None => tr!(i18n, config.locale, "invite-expires-never"),
            };
            let role_name = i18n.t(config.locale, &format!("role-{}", role.as_str()), &[]);
            println!(
                "{}",
                tr!(
                    i18n,
                    config.locale,
                    "cli-invite",
                    unit = found.name,
                    role = role_name,
                    uses = uses,
                    expires = expiry
                )
            );
            println!("{code}");
        }
    }
    Ok(())
}

async fn print_stats(
    database_url: &str,
    config: &Config,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    format: Format,
) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    let today = chrono::Utc::now()
        .with_timezone(&config.timezone)
        .date_naive();
    let (month_from, month_to) = stats::month_of(today);
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
            println!(
                "{}",
                tr!(i18n, config.locale, "zr-stats-title", from = from, to = to)
            );
            println!("{}", stats::table(&i18n, config.locale, &figures));
        }
    }
    Ok(())
}

async fn running_until_signal() {
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
