//! Operations: one server per SQLite file (the real binary, a SIGKILL, a successor), health
//! and metrics that move with traffic, and a backup taken under traffic that a new server
//! starts from.

use crate::common::{self, free_addr, fresh_db, is_reminder, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::{SimConfig, SimUser, Simulator};
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

both_backends!(health_and_metrics_move_with_traffic);

/// Slow hazard escalation (an alert stays open) and a morning's zero-report round, opened by
/// moving the clock to 08:00, with a deadline (10:00) far enough away that it stays open.
fn district_config() -> Config {
    Config::parse(
        "[fire_season]\nperiods = [\"01-01..12-31\"]\n[hazard]\nescalate = [\"1h\"]\nescalate_major = [\"1h\"]\n\
         [zero_report]\nremind = \"0 0 8 * * *\"\ndeadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\n",
        "test.toml",
    )
    .expect("config")
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("the HTTP listener answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The value of one series (`name{labels}` exactly as printed).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{series} not in the metrics:\n{text}"))
}

/// Every label value on the page.
fn label_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, rest)) = line.split_once('{') else {
            continue;
        };
        let labels = rest.split('}').next().unwrap_or("");
        for pair in labels.split(',') {
            if let Some((_, v)) = pair.split_once('=') {
                out.push(v.trim_matches('"').to_string());
            }
        }
    }
    out
}

/// A hazard report from `worker`, answered with its id.
async fn report_hazard(bot: &TestBot, worker: &SimUser) {
    worker.send_photo(Some("Fallen power line across the path to the reservoir"));
    bot.press_label(worker, "forest fire risk").await;
    bot.press_label(worker, "Submit (ordinary)").await;
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("submitted"))
        .await
        .expect("hazard submitted");
}

/// The round opens, and the duty officer answers it as soon as its reminder arrives.
async fn answer_the_round(bot: &TestBot, officer: &SimUser) {
    bot.advance_to_timer("sched:zero_report.remind").await;
    bot.sim
        .wait_for(officer.id(), WAIT, is_reminder)
        .await
        .expect("a zero-report reminder");
    let reply = bot.ask(officer, "/zero").await;
    assert!(reply.text().starts_with("Recorded"), "{}", reply.text());
}

const SERIES: [&str; 16] = [
    "lookout_updates_handled_total",
    "lookout_update_handling_seconds",
    "lookout_telegram_rate_limited_total",
    "lookout_telegram_server_errors_total",
    "lookout_timer_lateness_seconds",
    "lookout_database_up",
    "lookout_outbox_pending",
    "lookout_outbox_oldest_pending_age_seconds",
    "lookout_inbox_pending",
    "lookout_timers_overdue",
    "lookout_escalations_open",
    "lookout_zero_round_units_expected",
    "lookout_zero_round_units_answered",
    "lookout_zero_round_units_late",
    "lookout_warnings_active",
    "lookout_warning_recipients",
];

const COMMANDS_OK: &str = r#"lookout_updates_handled_total{kind="command",outcome="ok"}"#;
const CALLBACKS_OK: &str = r#"lookout_updates_handled_total{kind="callback",outcome="ok"}"#;
const MESSAGES_OK: &str = r#"lookout_updates_handled_total{kind="message",outcome="ok"}"#;

async fn health_and_metrics_move_with_traffic(b: Backend) {
    let mut config = district_config();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    // Half an hour before the round: the hazard's escalation (an hour) stays ahead of it.
    let clock = TestClock::at("2026-11-16 07:30");
    let bot = TestBot::spawn_on(b, SimConfig::default(), config, clock).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert_eq!(get(addr, "/readyz").await.0, 200);
    let (status, health) = get(addr, "/health").await;
    assert!(
        status == 200 && health.contains("pending_updates"),
        "{health}"
    );

    let (status, before) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    for name in SERIES {
        assert!(
            before.contains(&format!("# TYPE {name} ")),
            "{name}:\n{before}"
        );
    }
    assert_eq!(value(&before, "lookout_database_up"), 1.0);

    // Traffic: people join (commands), a hazard report (a photo, buttons), a zero-report
    // answer, and Telegram answering one send 429 and one 502.
    let worker = bot.sim.user(7_301_001, "Alice Gridworker", Some("en"));
    let officer = bot.sim.user(7_301_002, "Bob Dutyofficer", Some("en"));
    // The officer first: the round expects units with a duty officer when it opens.
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    report_hazard(&bot, &worker).await;
    answer_the_round(&bot, &officer).await;
    bot.sim.throttle_next(1, 1);
    bot.ask(&worker, "/help").await;
    bot.sim.fail_next(1, 502);
    bot.ask(&worker, "/help").await;
    // A warning in force, nobody has confirmed yet.
    let lead = bot.sim.user(7_301_003, "Carol Lead", Some("en"));
    bot.join(&lead, "lijia", Role::Supervisor).await;
    bot.ask(&lead, "/warn lijia blue Fog on the hill roads")
        .await;
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;

    let (_, after) = get(addr, "/metrics").await;
    let moved = |series: &str, by: f64| {
        let (was, now) = (value(&before, series), value(&after, series));
        assert!(now >= was + by, "{series}: {was} → {now}\n{after}");
    };
    // Other tests in this binary share the process's counters: they only add.
    moved(COMMANDS_OK, 5.0); // two /start, /zero, two /help
    moved(CALLBACKS_OK, 2.0);
    moved(MESSAGES_OK, 1.0);
    moved("lookout_update_handling_seconds_count", 8.0);
    moved("lookout_telegram_rate_limited_total", 1.0);
    moved("lookout_telegram_server_errors_total", 1.0);
    moved("lookout_timer_lateness_seconds_count", 1.0); // the round's opening
    assert!(value(&after, r#"lookout_escalations_open{state="open"}"#) >= 1.0);
    assert_eq!(value(&after, "lookout_zero_round_units_expected"), 1.0);
    assert_eq!(value(&after, "lookout_zero_round_units_answered"), 1.0);
    assert_eq!(value(&after, "lookout_zero_round_units_late"), 0.0);
    assert_eq!(value(&after, "lookout_outbox_pending"), 0.0);
    assert_eq!(value(&after, "lookout_warnings_active"), 1.0);
    assert_eq!(
        value(&after, r#"lookout_warning_recipients{state="waiting"}"#),
        2.0
    );

    // Labels are fixed words: no chat id, user id, name or token anywhere on the page.
    let private = [
        "7301001",
        "7301002",
        "Alice",
        "Bob",
        "Carol",
        "Gridworker",
        "李家村",
        &bot.sim.token(),
    ];
    for v in label_values(&after) {
        assert!(
            v.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                || v.parse::<f64>().is_ok()
                || v == "+Inf",
            "label value {v:?}"
        );
    }
    for p in private {
        assert!(!after.contains(p), "{p:?} on the metrics page");
    }

    // The database stops answering: not ready, still alive.
    bot.running().store.close().await;
    let (status, body) = get(addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(addr, "/health").await.0, 503);
    assert_eq!(get(addr, "/healthz").await.0, 200);
    let (status, page) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(value(&page, "lookout_database_up"), 0.0);
}

/// Webhook mode serves the operator routes on the webhook's address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_serves_health_and_metrics_on_its_address() {
    let mut bot = TestBot::spawn(Backend::Sqlite).await;
    bot.kill();
    let mut settings = bot.settings();
    settings.webhook = Some(lookout::app::Webhook {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: "s3cret".into(),
        public_url: None,
    });
    bot.start_with(settings).await;
    let addr = bot.running().webhook_addr.expect("webhook listener");
    assert_eq!(bot.running().http_addr, Some(addr));
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert_eq!(get(addr, "/readyz").await.0, 200);
    let (status, page) = get(addr, "/metrics").await;
    assert!(
        status == 200 && page.contains("lookout_outbox_pending"),
        "{page}"
    );
}

// ---- One server per SQLite file, with the real binary ----

fn lookout(sim: &Simulator, db_url: &str, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lookout"));
    cmd.current_dir(dir)
        .env("TELOXIDE_TOKEN", sim.token())
        .env("TELOXIDE_API_URL", sim.api_url())
        .env("DATABASE_URL", db_url)
        .env("LOOKOUT_TIP_KEY", "5a".repeat(32))
        .env("RUST_LOG", "warn")
        .env_remove("LOOKOUT_CONFIG")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

fn serve(sim: &Simulator, db_url: &str, dir: &std::path::Path, http: SocketAddr) -> Child {
    lookout(sim, db_url, dir)
        .args(["run", "--http", &http.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lookout run starts")
}

/// Wait until a server answers /healthz.
async fn serving(addr: SocketAddr) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(r) = reqwest::get(format!("http://{addr}/healthz")).await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_per_sqlite_file_and_a_successor_after_sigkill() {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let db = fresh_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = db.url.trim_start_matches("sqlite://").to_string();

    let first_addr = free_addr();
    let mut first = serve(&sim, &db.url, dir.path(), first_addr);
    serving(first_addr).await;

    // A second server on the same file is refused, naming the file and its lock.
    let second = serve(&sim, &db.url, dir.path(), free_addr());
    let out = tokio::time::timeout(WAIT, second.wait_with_output())
        .await
        .expect("the second exits at once")
        .expect("output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "error: another lookout is already serving {file} (lock file {file}.lock"
        )) && err.contains("stop it first"),
        "{err}"
    );
    // So is a second in-process start (what the tests and the demo use).
    let mut settings =
        lookout::app::Settings::new(&sim.token(), &sim.api_url(), &db.url, Config::default());
    settings.tip_key = Some(common::TIP_KEY);
    let refused = lookout::app::start(settings).await.err().expect("refused");
    assert!(refused.to_string().contains("already serving"), "{refused}");

    // The other commands work while it serves.
    for args in [
        vec!["migrate"],
        vec!["stats"],
        vec!["org", "export"],
        vec!["backup", "copy.db"],
    ] {
        let out = lookout(&sim, &db.url, dir.path())
            .args(&args)
            .output()
            .await
            .expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // SIGKILL leaves no stale lock: a successor starts and handles updates.
    first.kill().await.expect("SIGKILL");
    let third_addr = free_addr();
    let mut third = serve(&sim, &db.url, dir.path(), third_addr);
    serving(third_addr).await;
    let user = sim.user(4242, "Stranger", Some("en"));
    user.send_text("/help");
    sim.wait_for_count(user.id(), 1, WAIT)
        .await
        .expect("the successor answers");
    third.kill().await.expect("kill");
}

// ---- Backups ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_traffic_starts_a_server_with_everything_before_it() {
    let clock = TestClock::at("2026-11-16 07:30");
    let mut bot = TestBot::spawn_on(
        Backend::Sqlite,
        SimConfig::default(),
        district_config(),
        clock,
    )
    .await;
    let worker = bot.sim.user(5001, "Worker", Some("en"));
    let officer = bot.sim.user(5002, "Officer", Some("en"));
    // The officer first: the round expects units with a duty officer when it opens.
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    report_hazard(&bot, &worker).await;
    answer_the_round(&bot, &officer).await;
    let counts = [
        "SELECT COUNT(*) FROM memberships",
        "SELECT COUNT(*) FROM hazards",
        "SELECT COUNT(*) FROM zero_answers",
        "SELECT COUNT(*) FROM escalations",
    ];
    let mut committed = Vec::new();
    for sql in counts {
        committed.push(bot.count(sql).await);
    }
    assert_eq!(committed, [2, 1, 1, 1]);

    // Traffic goes on while the copy is taken: people asking, the bot answering.
    let chatter: Vec<SimUser> = (0..5)
        .map(|i| bot.sim.user(6000 + i, "Chatter", Some("en")))
        .collect();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let traffic = tokio::spawn(async move {
        for round in 0..400 {
            for u in &chatter {
                u.send_text(&format!("/help {round}"));
            }
            tokio::select! {
                _ = stopped.wait_for(|s| *s) => return round,
                _ = tokio::time::sleep(Duration::from_millis(25)) => {}
            }
        }
        400
    });
    bot.sim
        .wait_for_count(6000, 3, WAIT)
        .await
        .expect("traffic flows");
    let inbox_before = bot.count("SELECT COUNT(*) FROM inbox").await;
    let sent_before = bot
        .count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        .await;

    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("backup.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args(["backup", copy.to_str().expect("path")])
        .env("DATABASE_URL", &bot.db.url)
        .env_remove("LOOKOUT_CONFIG")
        .output()
        .expect("lookout backup runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("backup.db"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = stop.send(true);
    let rounds = traffic.await.expect("traffic");
    assert!(rounds > 2, "traffic flowed during the backup");
    assert!(
        bot.sim.sent(6000).len() >= 3,
        "replies were being sent around the backup"
    );

    // A second backup to the same file is refused; the copy is untouched.
    let size = std::fs::metadata(&copy).expect("copy").len();
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args(["backup", copy.to_str().expect("path")])
        .env("DATABASE_URL", &bot.db.url)
        .output()
        .expect("runs");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::metadata(&copy).expect("copy").len(), size);

    // Restore: stop the bot, start on the copy. It migrates, serves, and has it all.
    bot.kill();
    bot.db.url = format!("sqlite://{}", copy.display());
    bot.store = lookout::app::open_store(&bot.db.url)
        .await
        .expect("the copy opens and migrates");
    bot.start().await;
    for (sql, want) in counts.iter().zip(&committed) {
        assert_eq!(bot.count(sql).await, *want, "{sql}");
    }
    assert!(bot.count("SELECT COUNT(*) FROM inbox").await >= inbox_before);
    assert!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
            .await
            >= sent_before
    );
    let reply = bot.ask(&officer, "/today").await;
    assert!(reply.text().contains("李家村"), "{}", reply.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_refuses_postgres_missing_databases_and_bad_arguments() {
    let backup = |db: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
            .arg("backup")
            .args(args)
            .env("DATABASE_URL", db)
            .env_remove("LOOKOUT_CONFIG")
            .output()
            .expect("runs")
    };
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("out.db");
    let target = target.to_str().expect("path");

    let pg = fresh_db(Backend::Postgres).await;
    let out = backup(&pg.url, &[target]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("pg_dump"), "{err}");
    assert!(!err.contains("postgres://"), "the URL is not echoed: {err}");

    let missing = format!("sqlite://{}", dir.path().join("none.db").display());
    let out = backup(&missing, &[target]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no database at"),
        "{err}"
    );
    assert!(!dir.path().join("none.db").exists(), "nothing created");

    let out = backup(&missing, &[]);
    assert!(!out.status.success(), "FILE is required");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("<FILE>"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_dir(dir.path()).expect("dir").next().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_http_addresses_are_refused() {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let db = fresh_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("dir");
    let out = lookout(&sim, &db.url, dir.path())
        .args(["run", "--http", "not-an-address"])
        .output()
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--http"), "{err}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = tokio::time::timeout(
        WAIT,
        lookout(&sim, &db.url, dir.path())
            .args(["run", "--http", &addr])
            .output(),
    )
    .await
    .expect("exits")
    .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(&format!("listening for health and metrics on {addr}")),
        "{err}"
    );
}
