//! The `lookout` command line: parse, read the settings, run one subcommand. One function
//! per subcommand, in the module of what it works on; the work itself is the domain's,
//! shared with the bot.
mod org;
mod reports;
mod roster;
mod serve;
mod settings;
mod warn;

use crate::config::Span;
use crate::org::Role;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lookout",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("LOOKOUT_COMMIT"), ")"),
    about = "Zero reports, hazard reports and anonymous tips for emergency duty rooms, on Telegram"
)]
pub struct Cli {
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
    /// Make a WeCom group robot (群机器人, by its webhook key) a unit's duty room, or with
    /// --clear leave the unit without one.
    Room {
        #[arg(long)]
        unit: String,
        #[arg(
            long,
            value_name = "KEY",
            required_unless_present = "clear",
            conflicts_with = "clear"
        )]
        wecom_robot: Option<String>,
        #[arg(long)]
        clear: bool,
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
pub(crate) enum AuditFormat {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
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

/// Parse the command line, run it, and say an error in one readable line with its causes
/// (no backtrace for an operator's mistake).
pub async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = settings::config(cli.config.as_deref())?;
    let db = cli.database_url.as_str();
    // The bot logs what it does; a one-shot command only what went wrong.
    settings::init_logging(match cli.command {
        Cmd::Run { .. } | Cmd::Migrate => "info",
        _ => "warn",
    });
    match cli.command {
        Cmd::Run {
            webhook,
            public_url,
            http,
        } => serve::run(db, config, webhook, public_url, http).await,
        Cmd::Backup { file } => serve::backup(db, &file).await,
        Cmd::Demo { board } => serve::demo(config, board).await,
        Cmd::Migrate => serve::migrate(db, &config).await,
        Cmd::Org { command } => match command {
            OrgCmd::Import { file } => org::import(db, &config, &file).await,
            OrgCmd::Export => org::export(db).await,
        },
        Cmd::Roster { command } => match command {
            RosterCmd::Import { file } => roster::import(db, &config, &file).await,
            RosterCmd::Export { unit, from, to } => {
                roster::export(db, unit.as_deref(), from, to).await
            }
        },
        Cmd::People { unit } => roster::people(db, unit.as_deref()).await,
        Cmd::Stats { from, to, format } => reports::stats(db, &config, from, to, format).await,
        Cmd::Audit { from, to, format } => reports::audit(db, &config, from, to, format).await,
        Cmd::Warn {
            cap,
            unit,
            level,
            expires,
            exercise,
            text,
        } => {
            let what = match cap {
                Some(file) => warn::What::Cap(file),
                None => warn::What::Flags {
                    unit: unit.unwrap_or_default(),
                    level: level.unwrap_or_default(),
                    expires,
                    exercise,
                    text: text.join(" "),
                },
            };
            warn::warn(db, config, what).await
        }
        Cmd::BoardLink {
            unit,
            expires,
            revoke,
        } => match revoke {
            Some(prefix) => org::revoke_board_links(db, &config, &prefix).await,
            None => org::board_link(db, &config, &unit.unwrap_or_default(), expires).await,
        },
        Cmd::Invite {
            unit,
            role,
            uses,
            expires,
        } => org::invite(db, &config, &unit, role, uses, expires).await,
        Cmd::Room {
            unit, wecom_robot, ..
        } => org::room(db, &config, &unit, wecom_robot.as_deref()).await,
    }
}
