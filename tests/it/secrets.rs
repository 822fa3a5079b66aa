//! Secrets stay secret: the bot token never reaches a log line, an error or the database,
//! whatever Telegram does (down, 5xx, too slow); invite codes made in the bot are erased from
//! the outbox once sent, and such invites expire; while a secret waits to be sent (receipt
//! code, invite, personal board link) no table holds it or its text.

use crate::common::{self, Backend, TestBot, TestClock, WAIT};
use chrono::Utc;
use lookout::clock::Clock;
use lookout::config::Config;
use lookout::notice::Notice;
use lookout::org::{invite, Role};
use lookout::sim::wecom::WecomSimConfig;
use lookout::sim::{SimConfig, Simulator};
use lookout::store::Store;
use lookout::telegram::render::bot_api;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A real-looking token; its secret half must appear nowhere either.
const TOKEN: &str = "123456:SECRET-aZ3kP9qLm2Xv7Rt4Wn8Yb1Hc6Jd0Fg5";
const SECRET: &str = "SECRET-aZ3kP9qLm2Xv7Rt4Wn8Yb1Hc6Jd0Fg5";

both_backends!(
    the_binary_never_shows_the_token,
    the_running_bot_never_logs_or_stores_the_token,
    invite_codes_made_in_the_bot_are_not_kept,
    secrets_wait_sealed_while_telegram_is_down,
    wecom_secrets_stay_secret,
);

fn assert_no_token(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(TOKEN),
        "{what} holds the bot token:\n{}",
        text.lines()
            .filter(|l| l.contains(SECRET))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every row of every table, as text (one line per row, prefixed by its table).
async fn dump(store: &Store) -> String {
    let mut out = String::new();
    match store {
        Store::Sqlite(p) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(p)
                    .await
                    .expect("tables");
            assert!(tables.iter().any(|t| t == "outbox"), "{tables:?}");
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                        .fetch_all(p)
                        .await
                        .expect("columns");
                // Raw bytes (a BLOB need not be UTF-8), so a token in any column shows.
                let row = cols
                    .iter()
                    .map(|c| format!("COALESCE(CAST(\"{c}\" AS BLOB), '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<Vec<u8>> =
                    sqlx::query_scalar(&format!("SELECT CAST({row} AS BLOB) FROM \"{t}\""))
                        .fetch_all(p)
                        .await
                        .expect("rows");
                for r in rows {
                    out.push_str(&format!("{t}: {}\n", String::from_utf8_lossy(&r)));
                }
            }
        }
        Store::Postgres(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .fetch_all(p)
            .await
            .expect("tables");
            assert!(tables.iter().any(|t| t == "outbox"), "{tables:?}");
            for t in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT r::text FROM \"{t}\" r"))
                        .fetch_all(p)
                        .await
                        .expect("rows");
                for r in rows {
                    out.push_str(&format!("{t}: {r}\n"));
                }
            }
        }
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    out
}

async fn last_error(store: &Store, idem_key: &str) -> String {
    let sql = "SELECT COALESCE(last_error, '') FROM outbox WHERE idem_key = $1";
    let got: Option<String> = match store {
        Store::Sqlite(p) => {
            sqlx::query_scalar(sql)
                .bind(idem_key)
                .fetch_optional(p)
                .await
        }
        Store::Postgres(p) => {
            sqlx::query_scalar(sql)
                .bind(idem_key)
                .fetch_optional(p)
                .await
        }
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    .expect("last_error");
    got.unwrap_or_default()
}

/// Wait until the message's last error says `what` (lower case); returns the error.
async fn wait_error(store: &Store, idem_key: &str, what: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let e = last_error(store, idem_key).await;
        if e.to_lowercase().contains(what) {
            return e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{idem_key}: last_error {e:?} never said {what:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn queue_hello(store: &Store, idem_key: &str, chat_id: i64) {
    let m = bot_api(&Notice::text(idem_key.into(), chat_id, "hello".into()));
    store
        .enqueue(&[m], Utc::now().timestamp_millis())
        .await
        .expect("enqueue");
}

/// The line `run` ends with when it gives up.
fn error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in\n{stderr}"))
        .to_string()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn lookout_run(db_url: &str, api_url: &str, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lookout"));
    cmd.arg("run")
        .current_dir(dir)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", api_url)
        .env("DATABASE_URL", db_url)
        .env("LOOKOUT_TIP_KEY", "5a".repeat(32))
        .env("RUST_LOG", "trace")
        .env_remove("LOOKOUT_CONFIG");
    cmd
}

async fn the_binary_never_shows_the_token(b: Backend) {
    let db = common::fresh_db(b).await;
    let dir = tempfile::tempdir().expect("dir");

    // Telegram down: nothing listens. `run` gives up at getMe and says why.
    let api = format!("http://127.0.0.1:{}/", closed_port());
    let out = lookout_run(&db.url, &api, dir.path())
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{err}");
    assert_no_token("stderr (Telegram down)", &err);
    let last = error_line(&err).to_lowercase();
    assert!(
        last.contains("getme") && last.contains("connection refused"),
        "{last}"
    );

    // Telegram answers 5xx to everything.
    let sim = Simulator::start(SimConfig {
        token: TOKEN.into(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    sim.fail_all(Some(502));
    let out = lookout_run(&db.url, &sim.api_url(), dir.path())
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{err}");
    assert_no_token("stderr (5xx)", &err);
    let last = error_line(&err);
    assert!(
        last.contains("getMe") && last.contains("502 Bad Gateway"),
        "{last}"
    );

    // Running, then Telegram breaks (5xx), then goes away, while a message waits to be sent.
    sim.fail_all(None);
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = lookout_run(&db.url, &sim.api_url(), dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawns");
    let deadline = tokio::time::Instant::now() + WAIT;
    while sim.stats().calls.get("getUpdates").copied().unwrap_or(0) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot never polled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = lookout::app::open_store(&db.url).await.expect("open");
    sim.user(777, "Someone", Some("en"));
    sim.fail_all(Some(502));
    queue_hello(&store, "secrets.hello", 777).await;
    let e = wait_error(&store, "secrets.hello", "502").await;
    assert!(e.contains("502 Bad Gateway"), "{e}");
    sim.shutdown();
    let e = wait_error(&store, "secrets.hello", "refused").await;
    assert!(e.contains("sendMessage"), "the failed method is named: {e}");

    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill")
        .success());
    let deadline = std::time::Instant::now() + WAIT * 2;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("lookout run did not stop on SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let err = std::fs::read_to_string(&log_path).expect("log");
    assert_no_token("stderr (running)", &err);
    assert!(
        err.contains("sendMessage: 502 Bad Gateway")
            && err.contains("sendMessage: error sending request")
            && err.contains("refused"),
        "the sender says what failed and why"
    );
    let tables = dump(&store).await;
    assert!(tables.contains("secrets.hello"), "the dump sees the outbox");
    assert_no_token("the database", &tables);
    store.close().await;
}

/// Everything logged while a test captures it, at every level (the simulator, Telegram's
/// side, is left out). The subscriber is the process's, shared with every other test in the
/// binary: it records only while a `Capture` lives, so the others do not log at every level.
fn captured_log() -> Capture {
    use tracing_subscriber::filter::{filter_fn, EnvFilter, FilterExt};
    use tracing_subscriber::prelude::*;
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let log = LOG
        .get_or_init(|| {
            let buf = Arc::new(Mutex::new(Vec::new()));
            let sink = buf.clone();
            let capturing = filter_fn(|_| CAPTURES.load(Ordering::SeqCst) > 0);
            tracing_subscriber::registry()
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(move || Sink(sink.clone()))
                        .with_filter(capturing.and(EnvFilter::new("trace,lookout::sim=off"))),
                )
                .init();
            buf
        })
        .clone();
    CAPTURES.fetch_add(1, Ordering::SeqCst);
    Capture(log)
}

/// Tests capturing the log now.
static CAPTURES: AtomicUsize = AtomicUsize::new(0);

/// The log captured while this lives (and while other captures do).
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::ops::Deref for Capture {
    type Target = Mutex<Vec<u8>>;
    fn deref(&self) -> &Mutex<Vec<u8>> {
        &self.0
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURES.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_text(log: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&log.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

async fn the_running_bot_never_logs_or_stores_the_token(b: Backend) {
    let log = captured_log();
    let sim = SimConfig {
        token: TOKEN.into(),
        ..SimConfig::default()
    };
    let mut bot = TestBot::spawn_with(b, sim, Config::default()).await;
    bot.kill();
    let mut settings = bot.settings();
    settings.api_timeout_cap = Some(Duration::from_millis(800));
    bot.start_with(settings).await;
    let user = bot.sim.user(778, "Someone", Some("en"));
    let key = format!("secrets.{b:?}");

    // Too slow: every answer takes longer than the bot waits.
    bot.sim.set_delay(Duration::from_secs(2));
    queue_hello(&bot.store, &key, user.id()).await;
    bot.notify();
    let e = wait_error(&bot.store, &key, "timed out").await;
    assert!(e.contains("sendMessage"), "{e}");
    // 5xx.
    bot.sim.set_delay(Duration::ZERO);
    bot.sim.fail_all(Some(503));
    let e = wait_error(&bot.store, &key, "503").await;
    assert!(e.contains("503 Service Unavailable"), "{e}");
    // Down.
    bot.sim.shutdown();
    let e = wait_error(&bot.store, &key, "refused").await;
    assert!(e.contains("sendMessage"), "{e}");

    let text = log_text(&log);
    assert_no_token("the log", &text);
    assert_no_token("the database", &dump(&bot.store).await);
    assert!(
        text.contains("sendMessage: error sending request: operation timed out")
            && text.contains("sendMessage: 503 Service Unavailable")
            && text.contains("refused"),
        "the log tells each failure"
    );
    assert!(
        text.contains("getUpdates: error sending request"),
        "the poller says what failed"
    );
}

/// A clock the test moves forward.
fn movable_clock() -> (Clock, Arc<AtomicI64>) {
    let ahead = Arc::new(AtomicI64::new(0));
    let a = ahead.clone();
    let clock = Clock::from_fn(move || {
        Utc::now() + chrono::Duration::milliseconds(a.load(Ordering::SeqCst))
    });
    (clock, ahead)
}

const HOUR_MS: i64 = 3600 * 1000;

fn code_of(text: &str) -> String {
    text.lines()
        .last()
        .and_then(|l| l.strip_prefix("/start "))
        .unwrap_or_else(|| panic!("no code line in {text}"))
        .to_string()
}

async fn invite_codes_made_in_the_bot_are_not_kept(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    let (clock, ahead) = movable_clock();
    bot.kill();
    let mut settings = bot.settings();
    settings.clock = clock.clone();
    bot.start_with(settings).await;
    let admin = bot.sim.user(901, "Admin", Some("en"));
    bot.join(&admin, "zhoucun", Role::Admin).await;

    // The default: one use, valid for 7 days; the code reaches the admin, and once sent
    // only its hash is left anywhere.
    let reply = bot.ask(&admin, "/invite lijia grid_worker").await;
    let code = code_of(reply.text());
    assert!(
        reply.text().contains("李家村") && reply.text().contains("1 use(s)"),
        "{}",
        reply.text()
    );
    let sql = format!(
        "SELECT expires_at - created_at FROM invites WHERE code_hash = '{}'",
        invite::hash_code(&code)
    );
    assert_eq!(bot.count(&sql).await, 7 * 24 * HOUR_MS);
    bot.settle().await;
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    let tables = dump(&bot.store).await;
    assert!(
        !tables.contains(&code),
        "the code is kept somewhere:\n{tables}"
    );
    assert!(
        tables.contains(&invite::hash_code(&code)),
        "its hash is kept"
    );

    // It works, once.
    let worker = bot.sim.user(902, "Worker", Some("en"));
    let joined = bot.ask(&worker, &format!("/start {code}")).await;
    assert!(joined.text().contains("李家村"), "{}", joined.text());

    // USES and EXPIRES: an hour, and the default week.
    let hour = code_of(
        bot.ask(&admin, "/invite lijia grid_worker 2 1h")
            .await
            .text(),
    );
    let week = code_of(
        bot.ask(&admin, "/invite nanjiao duty_officer 2")
            .await
            .text(),
    );
    ahead.store(2 * HOUR_MS, Ordering::SeqCst);
    let late = bot.sim.user(903, "Late", Some("en"));
    let reply = bot.ask(&late, &format!("/start {hour}")).await;
    assert!(reply.text().contains("expired"), "{}", reply.text());
    let reply = bot.ask(&late, &format!("/start {week}")).await;
    assert!(reply.text().contains("南郊镇"), "{}", reply.text());
    ahead.store(7 * 24 * HOUR_MS + HOUR_MS, Ordering::SeqCst);
    let later = bot.sim.user(904, "Later", Some("en"));
    let reply = bot.ask(&later, &format!("/start {week}")).await;
    assert!(reply.text().contains("expired"), "{}", reply.text());

    // Bad USES or EXPIRES: a clear reply in the sender's language, and no invite.
    let zh = bot.sim.user(905, "管理员", Some("zh-CN"));
    bot.join(&zh, "zhoucun", Role::Admin).await;
    let invites = bot.count("SELECT COUNT(*) FROM invites").await;
    for (args, says) in [
        ("0", "USES must be a whole number from 1 to 100"),
        ("101 1d", "USES must be"),
        ("abc 1d", "USES must be"),
        ("5 forever", "EXPIRES must be a duration from 1m to 90d"),
        ("5 0s", "EXPIRES must be"),
        ("5 91d", "EXPIRES must be"),
        ("1.5h", "EXPIRES must be"),
        ("5 1d more", "Usage: /invite"),
    ] {
        let reply = bot
            .ask(&admin, &format!("/invite lijia grid_worker {args}"))
            .await;
        assert!(reply.text().contains(says), "{args}: {}", reply.text());
        assert!(!reply.text().contains("/start"), "{args}: {}", reply.text());
    }
    let reply = bot.ask(&zh, "/invite lijia grid_worker 1000").await;
    assert!(reply.text().contains("次数须为"), "{}", reply.text());
    let reply = bot.ask(&zh, "/invite lijia grid_worker 3 1w").await;
    assert!(reply.text().contains("有效期须在"), "{}", reply.text());
    assert_eq!(bot.count("SELECT COUNT(*) FROM invites").await, invites);

    // Nothing of any code made in the bot is left once everything is sent.
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    let tables = dump(&bot.store).await;
    for c in [&code, &hour, &week] {
        assert!(!tables.contains(c.as_str()), "a code is kept:\n{tables}");
    }
}

/// The last word of a message (the link at its end).
fn last_word(text: &str) -> String {
    text.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

async fn secrets_wait_sealed_while_telegram_is_down(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_with(b, SimConfig::default(), config).await;
    let admin = bot.sim.user(901, "Admin", Some("en"));
    bot.join(&admin, "zhoucun", Role::Admin).await;
    let desk = bot.sim.user(31, "Desk Lead", Some("en"));
    bot.join(&desk, "zhoucun", Role::Supervisor).await;
    let tipster = bot.sim.user(77, "Tipster", Some("en"));
    bot.ask(&tipster, "/tip").await;
    let noted = bot.ask(&tipster, "Drums of solvent by the river").await;
    let send = noted.button("✅ Send tip").expect("send button");

    // Telegram refuses every send: the three secrets wait in the outbox.
    bot.sim.fail_next(u32::MAX, 502);
    tipster.press(&noted, &send);
    admin.send_text("/invite lijia grid_worker");
    desk.send_text("/board");
    let waiting = "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND ephemeral \
                   AND method = 'sendMessage'";
    let deadline = tokio::time::Instant::now() + WAIT;
    while bot.count(waiting).await < 3 || bot.sim.stats().server_errors < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the secrets never waited"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tables = dump(&bot.store).await;
    // Each waits sealed whole: recipient and text.
    let payloads: Vec<String> = match &bot.store {
        Store::Sqlite(p) => {
            sqlx::query_scalar("SELECT payload FROM outbox WHERE state = 'pending' AND ephemeral")
                .fetch_all(p)
                .await
                .expect("payloads")
        }
        Store::Postgres(p) => {
            sqlx::query_scalar("SELECT payload FROM outbox WHERE state = 'pending' AND ephemeral")
                .fetch_all(p)
                .await
                .expect("payloads")
        }
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    };
    for p in &payloads {
        let v: serde_json::Value = serde_json::from_str(p).expect("json");
        let fields: Vec<&String> = v.as_object().expect("an object").keys().collect();
        assert_eq!(fields, ["_sealed"], "{p}");
    }

    // Once Telegram is back, each arrives intact.
    bot.sim.fail_next(0, 502);
    let receipt = bot
        .sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("receipt code"))
        .await
        .expect("the receipt code");
    let invite = bot
        .sim
        .wait_for(admin.id(), WAIT, |m| m.text().contains("Invite created"))
        .await
        .expect("the invite");
    let board = bot
        .sim
        .wait_for(desk.id(), WAIT, |m| m.text().contains("personal link"))
        .await
        .expect("the board link");
    let receipt_code = receipt
        .text()
        .split_whitespace()
        .find(|w| w.len() == 22 && w.bytes().all(|c| c.is_ascii_alphanumeric()))
        .expect("a code")
        .to_string();
    let invite_code = code_of(invite.text());
    let link = last_word(board.text());
    assert!(link.contains("/board?t="), "{}", board.text());
    for secret in [
        receipt_code.as_str(),
        invite_code.as_str(),
        link.as_str(),
        "receipt code",
        "Invite created",
        "personal link",
    ] {
        assert!(
            !tables.contains(secret),
            "{secret:?} waited in clear:\n{tables}"
        );
    }
    // And once sent nothing of them is left.
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%_sealed%'",
        0,
    )
    .await;
}

/// The WeCom access token the bot holds now: gettoken answers the live one again.
async fn live_access_token(bot: &TestBot) -> String {
    let w = bot.wecom();
    let c = WecomSimConfig::default();
    let url = format!("{}/cgi-bin/gettoken", w.base_url());
    let answer: serde_json::Value = reqwest::Client::new()
        .get(url)
        .query(&[("corpid", w.corp_id()), ("corpsecret", c.secret)])
        .send()
        .await
        .expect("gettoken")
        .json()
        .await
        .expect("json");
    let token = answer["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    assert!(token.len() >= 32, "{answer}");
    token
}

/// The latest error of a WeCom row, once it says `what` (lower case).
async fn wait_wecom_error(bot: &TestBot, what: &str) -> String {
    let sql = "SELECT COALESCE(last_error, '') FROM outbox WHERE method LIKE 'wecom.%'";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let errors: Vec<String> = match &bot.store {
            Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            Store::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            Store::Batch(_) => unreachable!("only the update processor works in a batch"),
        }
        .expect("errors");
        if let Some(e) = errors.into_iter().find(|e| e.to_lowercase().contains(what)) {
            return e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no WeCom send failed with {what:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app Secret, the callback's Token and EncodingAESKey, and every access token the bot
/// was given are in no log line, no table and not in `/metrics`, while WeCom answers, fails
/// (5xx), refuses (errcodes, an expired token) and is too slow to answer.
async fn wecom_secrets_stay_secret(b: Backend) {
    let log = captured_log();
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    let li = w.user("lisi", "李四");
    bot.join_wecom(&li, "lijia", Role::DutyOfficer).await;
    let mut tokens = vec![live_access_token(&bot).await];
    // A callback that is not WeCom's is logged too, if at all, without a secret.
    let (q, body) = w.seal("<xml>garbage</xml>", 0, "1");
    assert_eq!(w.push_raw(&q, body).await, 401);

    // 5xx, then system busy: answered once WeCom takes the message.
    w.fail_next(2, 502);
    let reply = bot.ask_wecom(&li, "/help").await;
    assert!(reply.text.contains("可用命令"), "{}", reply.text);
    w.errcode_next(2, -1);
    bot.ask_wecom(&li, "/help").await;
    // The token dies: refreshed (a new one), and the call made again.
    w.expire_tokens();
    bot.ask_wecom(&li, "/help").await;
    tokens.push(live_access_token(&bot).await);
    assert_ne!(tokens[0], tokens[1], "a new token");
    // Refused for good: WeCom's word is kept, nothing of ours.
    w.errcode_next(1, 40058);
    li.send_text("/help").await;
    wait_wecom_error(&bot, "40058").await;
    // Too slow: past the client's timeout (15 s a call) the send is given up and tried again.
    w.set_delay(Duration::from_secs(16));
    li.send_text("/help").await;
    let e = wait_until_timeout(&bot).await;
    assert!(!e.is_empty(), "{e}");
    w.set_delay(Duration::ZERO);
    bot.quiesce().await;

    let addr = bot.running().http_addr.expect("the HTTP listener");
    let metrics = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("lookout_"), "{metrics}");
    let c = WecomSimConfig::default();
    let mut secrets = vec![
        ("the app Secret", c.secret.clone()),
        ("the callback Token", c.token.clone()),
        ("the EncodingAESKey", c.aes_key.clone()),
    ];
    for t in &tokens {
        secrets.push(("an access token", t.clone()));
    }
    let text = log_text(&log);
    let tables = dump(&bot.store).await;
    assert!(
        tables.contains("wecom_addresses"),
        "the dump sees WeCom's tables"
    );
    for (what, secret) in &secrets {
        for (place, content) in [
            ("the log", &text),
            ("the database", &tables),
            ("/metrics", &metrics),
        ] {
            assert!(
                !content.contains(secret.as_str()),
                "{place} holds {what}:\n{}",
                content
                    .lines()
                    .filter(|l| l.contains(secret.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    for failure in ["502", "system busy", "40058", "timed out"] {
        assert!(
            text.contains(failure),
            "the log does not tell {failure:?}:\n{text}"
        );
    }
    assert!(
        !text.contains("access_token="),
        "a URL with a token was logged"
    );
}

/// A WeCom send that timed out (the wait is the client's: 15 s).
async fn wait_until_timeout(bot: &TestBot) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let sql = "SELECT COALESCE(last_error, '') FROM outbox WHERE method LIKE 'wecom.%' \
                   AND LOWER(COALESCE(last_error, '')) LIKE '%timed out%'";
        if let Some(e) = bot.text_of(sql).await {
            return e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no WeCom send timed out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
