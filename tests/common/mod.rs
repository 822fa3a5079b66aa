//! `spawn_bot()` for behaviour tests: the simulator, a fresh database (SQLite or PostgreSQL)
//! and the real bot talking to each other over HTTP on 127.0.0.1.
#![allow(dead_code)]

pub mod browser;
pub mod proxy;
pub mod wecom;

use lookout::app::{self, Running, Settings};
use lookout::clock::Clock;
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::org::{file as orgfile, invite, Role};
use lookout::sim::{SentMessage, SimConfig, SimUser, Simulator};
use lookout::store::Store;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The real `lookout` binary on `db_url`, as an operator runs it (no config, no RUST_LOG).
pub fn lookout(db_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env_remove("LOOKOUT_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("lookout runs")
}

pub const WAIT: Duration = Duration::from_secs(20);
/// The tip key of every test bot.
pub const TIP_KEY: [u8; 32] = [0x5a; 32];

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Run an async test body once per backend: `both_backends!(name);` for `async fn name(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        })*
    };
}

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A database at `url` that the test made and removes itself.
    pub fn at(url: String) -> TestDb {
        TestDb { url, _dir: None }
    }
}

pub fn pg_base() -> String {
    std::env::var("LOOKOUT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("lookout.db").display());
            TestDb {
                url,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            // A schema per test in the shared database: cheap, and isolated via search_path.
            let schema = format!("t_{}", invite::new_code().to_lowercase());
            let admin = Store::connect(&pg_base())
                .await
                .expect("PostgreSQL reachable (see README: tests)");
            if let Store::Postgres(pool) = &admin {
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(pool)
                    .await
                    .expect("create schema");
            }
            admin.close().await;
            let sep = if pg_base().contains('?') { '&' } else { '?' };
            TestDb {
                url: format!("{}{sep}options=-c%20search_path%3D{schema}", pg_base()),
                _dir: None,
            }
        }
    }
}

/// Time the test drives, for rounds, nags, deadlines and chains that span hours. It starts at
/// a fixed instant and runs at the real rate, so the bot's own short waits (a send retried a
/// second later, a lease) pass as they would; the test jumps it over the long ones. Only
/// forward: the bot's timers and leases assume time never runs back.
#[derive(Clone)]
pub struct TestClock {
    origin_ms: i64,
    since: Instant,
    jumped_ms: Arc<AtomicI64>,
}

impl TestClock {
    /// Starting at `local` ("2026-11-16 07:00") in Asia/Shanghai, the bot's default zone.
    pub fn at(local: &str) -> TestClock {
        use chrono::TimeZone;
        let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")
            .expect("a time like 2026-11-16 07:00");
        let at = chrono_tz::Asia::Shanghai
            .from_local_datetime(&naive)
            .single()
            .expect("an unambiguous local time");
        TestClock {
            origin_ms: at.timestamp_millis(),
            since: Instant::now(),
            jumped_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Starting at the system's now: for a test whose output the real binary reads on the
    /// system's clock (`lookout audit` with its default month).
    pub fn now() -> TestClock {
        TestClock {
            origin_ms: chrono::Utc::now().timestamp_millis(),
            since: Instant::now(),
            jumped_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.origin_ms
            + self.since.elapsed().as_millis() as i64
            + self.jumped_ms.load(Ordering::SeqCst)
    }

    /// The clock to hand the bot (`Settings.clock`). Finer than `now_ms`, for the sender's
    /// pacing (a paid broadcast's slot is about a millisecond).
    pub fn clock(&self) -> Clock {
        let me = self.clone();
        Clock::from_fn(move || {
            let elapsed = chrono::Duration::from_std(me.since.elapsed()).unwrap_or_default();
            lookout::clock::from_ms(me.origin_ms + me.jumped_ms.load(Ordering::SeqCst)) + elapsed
        })
    }

    /// Jump to `ms`, or stay if that has passed. Nothing is woken: see `TestBot::advance_to`.
    pub fn jump_to(&self, ms: i64) {
        let ahead = ms - self.now_ms();
        if ahead > 0 {
            self.jumped_ms.fetch_add(ahead, Ordering::SeqCst);
        }
    }
}

/// A zero-report reminder (or its nag): it carries the answer buttons.
pub fn is_reminder(m: &SentMessage) -> bool {
    m.button_data().iter().any(|d| d.starts_with("zero:"))
}

/// An address on 127.0.0.1 free a moment ago, for a listener the test names in advance.
pub fn free_addr() -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Places on the map for 王村镇 and 李家村, and a village without one (赵家村), for the board.
pub async fn place_units(bot: &TestBot) {
    let file = "[[unit]]\nid = \"wangcun\"\nname = \"王村镇\"\nparent = \"zhoucun\"\nlat = 36.80\nlon = 117.90\n\n\
                [[unit]]\nid = \"lijia\"\nname = \"李家村\"\nparent = \"wangcun\"\nlat = 36.81\nlon = 117.92\n\n\
                [[unit]]\nid = \"zhaojia\"\nname = \"赵家村\"\nparent = \"wangcun\"\n";
    let existing = bot.store.units().await.expect("units");
    let entries = orgfile::parse(file, "places.toml", &existing).expect("parses");
    let mut tx = bot.store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("import");
    tx.commit().await.expect("commit");
}

/// The local wall time of `ms` in Asia/Shanghai, "HH:MM", to say when something was due.
pub fn hhmm(ms: i64) -> String {
    lookout::clock::from_ms(ms)
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H:%M")
        .to_string()
}

pub struct TestBot {
    pub sim: Simulator,
    pub db: TestDb,
    pub store: Store,
    pub config: Config,
    pub limits: Limits,
    /// The clock the bot reads; `None` is the system clock.
    pub clock: Option<TestClock>,
    running: Option<Running>,
    /// Held while the running bot serves HTTP (see `counting_board_builds`).
    serving: Option<Serving>,
    /// The WeCom simulator, for a bot spawned with WeCom (`spawn_wecom_on`).
    wecom: Option<lookout::sim::wecom::WecomSim>,
}

pub const ORG: &str = r#"[[unit]]
id = "zhoucun"
name = "周村区"

[[unit]]
id = "wangcun"
name = "王村镇"
parent = "zhoucun"

[[unit]]
id = "nanjiao"
name = "南郊镇"
parent = "zhoucun"

[[unit]]
id = "lijia"
name = "李家村"
parent = "wangcun"
"#;

impl TestBot {
    pub async fn spawn(backend: Backend) -> TestBot {
        TestBot::spawn_with(backend, SimConfig::default(), Config::default()).await
    }

    pub async fn spawn_with(backend: Backend, sim: SimConfig, config: Config) -> TestBot {
        let mut bot = TestBot::prepare(backend, sim, config).await;
        bot.start().await;
        bot
    }

    /// The simulator, a database with the test org, and no bot running yet.
    async fn prepare(backend: Backend, sim: SimConfig, config: Config) -> TestBot {
        TestBot::prepare_on(fresh_db(backend).await, sim, config).await
    }

    /// `prepare` on a database the test made (one on a small disk, one behind a proxy); the
    /// test's own `store` opens `db.url`, and the bot opens whatever `db.url` says when it
    /// starts (`start`).
    pub async fn prepare_on(db: TestDb, sim: SimConfig, config: Config) -> TestBot {
        let sim = Simulator::start(sim).await.expect("simulator starts");
        let store = app::open_store(&db.url).await.expect("database opens");
        let entries = orgfile::parse(ORG, "org.toml", &[]).expect("test org parses");
        let mut tx = store.begin().await.expect("tx");
        tx.import_units(&entries).await.expect("import");
        tx.commit().await.expect("commit");
        TestBot {
            sim,
            db,
            store,
            config,
            limits: Limits::telegram(),
            clock: None,
            running: None,
            serving: None,
            wecom: None,
        }
    }

    /// Without Telegram's rate limits (in the simulator and the sender): for tests about
    /// timing and volume rather than delivery.
    pub async fn spawn_fast(backend: Backend, config: Config) -> TestBot {
        let sim = SimConfig {
            limits: None,
            ..SimConfig::default()
        };
        let mut bot = TestBot::spawn_with(backend, sim, config).await;
        bot.kill();
        bot.limits = Limits::none();
        bot.start().await;
        bot
    }

    /// `spawn_fast` on a clock the test drives (`advance_to_timer`, `advance`): rounds and
    /// chains spanning hours pass in seconds, jumped over rather than waited for.
    pub async fn spawn_fast_on(backend: Backend, config: Config, clock: TestClock) -> TestBot {
        let sim = SimConfig {
            limits: None,
            ..SimConfig::default()
        };
        let mut bot = TestBot::prepare(backend, sim, config).await;
        bot.limits = Limits::none();
        bot.clock = Some(clock);
        bot.start().await;
        bot
    }

    /// With Telegram's limits, in the simulator and the sender, on a clock the test drives.
    /// The sender's spacing and the simulator's limits both follow the clock.
    pub async fn spawn_on(
        backend: Backend,
        sim: SimConfig,
        config: Config,
        clock: TestClock,
    ) -> TestBot {
        // The simulated Telegram counts its limits on the same clock as the bot's sender.
        let sim = SimConfig {
            clock: clock.clock(),
            ..sim
        };
        let mut bot = TestBot::prepare(backend, sim, config).await;
        bot.clock = Some(clock);
        bot.start().await;
        bot
    }

    pub fn settings(&self) -> Settings {
        let mut s = Settings::new(
            &self.sim.token(),
            &self.sim.api_url(),
            &self.db.url,
            self.config.clone(),
        );
        s.poll_timeout_secs = 1;
        s.limits = self.limits;
        // Never a key file in the working directory from tests.
        s.tip_key = Some(TIP_KEY);
        // A board built per request: tests look at it right after a change. (The shared
        // build, one a second, is tested in tests/it/listener.rs.)
        s.board_cache = Duration::ZERO;
        if let Some(c) = &self.clock {
            s.clock = c.clock();
        }
        self.wecom_settings(&mut s);
        s
    }

    /// The bot's time now (its test clock's, else the system's).
    pub fn now_ms(&self) -> i64 {
        match &self.clock {
            Some(c) => c.now_ms(),
            None => chrono::Utc::now().timestamp_millis(),
        }
    }

    pub fn test_clock(&self) -> &TestClock {
        self.clock.as_ref().expect("a bot spawned on a test clock")
    }

    /// Wait until the running bot has caught up with its clock: no update unhandled, no
    /// timer due, no message due or on its way. The test must first wait for the effects of
    /// what its users sent (an update not yet polled is not in the inbox).
    pub async fn quiesce(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            // A second ahead: what the bot queues while this query runs (due at its own
            // "now", after ours) counts as busy too.
            let now = self.now_ms() + 1000;
            let busy = self
                .count(&format!(
                    "SELECT (SELECT COUNT(*) FROM inbox WHERE state = 'pending') \
                     + (SELECT COUNT(*) FROM timers WHERE state = 'pending' AND due_at <= {now}) \
                     + (SELECT COUNT(*) FROM outbox WHERE state = 'pending' \
                        AND (lease_until IS NOT NULL OR not_before <= {now}))"
                ))
                .await;
            if busy == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the bot is still busy after {WAIT:?} ({busy} updates, timers or messages)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Move the test clock to `ms` and let the bot catch up (everything due by then fired,
    /// its messages sent). Quiet first: a send on its way when the clock jumps past its
    /// lease would be taken again and sent twice.
    pub async fn advance_to(&self, ms: i64) {
        self.quiesce().await;
        self.test_clock().jump_to(ms);
        self.notify();
        self.quiesce().await;
    }

    pub async fn advance(&self, by: Duration) {
        self.advance_to(self.now_ms() + by.as_millis() as i64).await;
    }

    /// Move the clock to the earliest pending timer of `group` (e.g. `esc:3`,
    /// `sched:zero_report.deadline`) and let the bot catch up; returns when it was due.
    pub async fn advance_to_timer(&self, group: &str) -> i64 {
        // Quiet first, so a timer about to be replaced (a step firing) is not the one found.
        self.quiesce().await;
        let due: Option<i64> = self
            .scalar(&format!(
                "SELECT MIN(due_at) FROM timers WHERE state = 'pending' AND grp = '{group}'"
            ))
            .await;
        let due = due.unwrap_or_else(|| panic!("no pending timer in {group}"));
        self.advance_to(due).await;
        due
    }

    /// Tell the running bot its database changed (timers, outbox) behind its back.
    pub fn notify(&self) {
        if let Some(r) = &self.running {
            r.wake.timers.notify_one();
            r.wake.outbox.notify_one();
        }
    }

    pub async fn start(&mut self) {
        self.start_with(self.settings()).await;
    }

    pub async fn start_with(&mut self, settings: Settings) {
        assert!(self.running.is_none(), "bot already running");
        if settings.config.http.listen.is_some() || settings.webhook.is_some() {
            self.serving = Serving::start().await;
        }
        self.running = Some(app::start(settings).await.expect("bot starts"));
        self.wecom_started();
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("bot running")
    }

    /// Stop the bot gracefully, as on SIGTERM.
    pub async fn shutdown(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        self.serving = None;
    }

    /// Stop the bot abruptly, as a crash would.
    pub fn kill(&mut self) {
        if let Some(r) = self.running.take() {
            r.kill();
        }
        self.serving = None;
    }

    /// Wait until nothing is on its way to Telegram, so that a kill tests what it means to
    /// (a send cut off mid-flight is sent again after a restart: the one crash window).
    pub async fn settle(&self) {
        self.wait_count(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND lease_until IS NOT NULL",
            0,
        )
        .await;
    }

    pub async fn restart(&mut self) {
        self.kill();
        self.start().await;
    }

    pub async fn invite(
        &self,
        unit: &str,
        role: Role,
        uses: i64,
        expires_at: Option<i64>,
    ) -> String {
        let code = invite::new_code();
        let mut tx = self.store.begin().await.expect("tx");
        tx.create_invite(&invite::hash_code(&code), unit, role, uses, expires_at, 0)
            .await
            .expect("invite");
        tx.commit().await.expect("commit");
        code
    }

    /// A person joins `unit` as `role` through an invite, as they would in Telegram.
    pub async fn join(&self, user: &SimUser, unit: &str, role: Role) {
        let code = self.invite(unit, role, 1, None).await;
        let before = self.sim.sent(user.id()).len();
        user.send_text(&format!("/start {code}"));
        self.sim
            .wait_for_count(user.id(), before + 1, WAIT)
            .await
            .expect("join confirmed");
    }

    pub async fn join_with(&self, user: &SimUser, code: &str) {
        let before = self.sim.sent(user.id()).len();
        user.send_text(&format!("/start {code}"));
        self.sim
            .wait_for_count(user.id(), before + 1, WAIT)
            .await
            .expect("join confirmed");
    }

    /// Send a text and wait for the next reply in that private chat.
    pub async fn ask(&self, user: &SimUser, text: &str) -> SentMessage {
        let before = self.sim.sent(user.id()).len();
        user.send_text(text);
        let all = self
            .sim
            .wait_for_count(user.id(), before + 1, WAIT)
            .await
            .expect("a reply");
        all[before].clone()
    }

    /// Press the button labelled `label` on the first message of `who`'s chat that has one;
    /// returns that message.
    pub async fn press_label(&self, who: &SimUser, label: &str) -> SentMessage {
        let msg = self
            .sim
            .wait_for(who.id(), WAIT, |m| m.button(label).is_some())
            .await
            .unwrap_or_else(|e| panic!("a button {label:?}: {e}"));
        who.press(&msg, &msg.button(label).unwrap_or_default());
        msg
    }

    /// The first message in `chat` whose text contains `needle`, once it is there.
    pub async fn wait_text(&self, chat: i64, needle: &str) -> SentMessage {
        self.sim
            .wait_for(chat, WAIT, |m| m.text().contains(needle))
            .await
            .unwrap_or_else(|e| panic!("waiting for {needle:?} in {chat}: {e}"))
    }

    /// The id of `user`'s person record (they have joined).
    pub async fn person_id(&self, user: &SimUser) -> i64 {
        self.scalar(&format!(
            "SELECT id FROM people WHERE tg_user_id = {}",
            user.id()
        ))
        .await
        .expect("a person")
    }

    /// Wait until a counting query gives `expected` (database state has no notifications).
    pub async fn wait_count(&self, sql: &str, expected: i64) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let got = self.count(sql).await;
            if got == expected {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{sql}: got {got}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A statement, as an operator (or Telegram's refusals) would change the data.
    pub async fn exec(&self, sql: &str) {
        match &self.store {
            Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
            Store::Batch(_) => unreachable!("only the update processor works in a batch"),
        }
        .expect("statement")
    }

    /// One value that may be NULL (`MIN` over no rows).
    pub async fn scalar(&self, sql: &str) -> Option<i64> {
        match &self.store {
            Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("query"),
            Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("query"),
            Store::Batch(_) => unreachable!("only the update processor works in a batch"),
        }
    }

    /// One text value that may be missing or NULL.
    pub async fn text_of(&self, sql: &str) -> Option<String> {
        let row: Option<Option<String>> = match &self.store {
            Store::Sqlite(p) => sqlx::query_scalar(sql)
                .fetch_optional(p)
                .await
                .expect("query"),
            Store::Postgres(p) => sqlx::query_scalar(sql)
                .fetch_optional(p)
                .await
                .expect("query"),
            Store::Batch(_) => unreachable!("only the update processor works in a batch"),
        };
        row.flatten()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        match &self.store {
            Store::Sqlite(p) => sqlx::query_scalar(sql)
                .fetch_one(p)
                .await
                .expect("count query"),
            Store::Postgres(p) => sqlx::query_scalar(sql)
                .fetch_one(p)
                .await
                .expect("count query"),
            Store::Batch(_) => unreachable!("only the update processor works in a batch"),
        }
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        self.kill();
        self.sim.shutdown();
    }
}

/// Every metrics series is the process's, and the tests share the process: a series another
/// test's bot can move is read only as "moved by at least". `lookout_board_builds_total` must
/// be read exactly; the bots that build boards are those serving HTTP, so a test counting
/// builds runs `body` while no other bot serves HTTP, and none starts to until it is done.
pub async fn counting_board_builds<F: std::future::Future>(body: F) -> F::Output {
    loop {
        let changed = HTTP.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        {
            let mut gate = HTTP.gate();
            if gate.serving == 0 && !gate.counting {
                gate.counting = true;
                break;
            }
        }
        changed.await;
    }
    // Ends the count even if `body` panics.
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            HTTP.gate().counting = false;
            HTTP.changed.notify_waiters();
        }
    }
    let _counted = Counted;
    COUNTING.scope((), body).await
}

/// How many bots of other tests serve HTTP, and whether a test counts board builds.
struct HttpGate {
    state: std::sync::Mutex<Gate>,
    changed: tokio::sync::Notify,
}

struct Gate {
    serving: usize,
    counting: bool,
}

impl HttpGate {
    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

static HTTP: HttpGate = HttpGate {
    state: std::sync::Mutex::new(Gate {
        serving: 0,
        counting: false,
    }),
    changed: tokio::sync::Notify::const_new(),
};

tokio::task_local! {
    /// Set in the test that counts board builds: its own bots are the ones it counts.
    static COUNTING: ();
}

/// A bot serving HTTP, counted in `HTTP` while this lives.
struct Serving;

impl Serving {
    /// `None` for the counting test's own bots; others wait while a test counts.
    async fn start() -> Option<Serving> {
        if COUNTING.try_with(|_| ()).is_ok() {
            return None;
        }
        loop {
            let changed = HTTP.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut gate = HTTP.gate();
                if !gate.counting {
                    gate.serving += 1;
                    return Some(Serving);
                }
            }
            changed.await;
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        HTTP.gate().serving -= 1;
        HTTP.changed.notify_waiters();
    }
}
