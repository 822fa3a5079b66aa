//! `spawn_bot()` for behaviour tests: the simulator, a fresh database (SQLite or PostgreSQL)
//! and the real bot talking to each other over HTTP on 127.0.0.1.
#![allow(dead_code)]

use lookout::app::{self, Running, Settings};
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::org::{file as orgfile, invite, Role};
use lookout::sim::{SentMessage, SimConfig, SimUser, Simulator};
use lookout::store::Store;
use std::time::Duration;

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

pub struct TestBot {
    pub sim: Simulator,
    pub db: TestDb,
    pub store: Store,
    pub config: Config,
    pub limits: Limits,
    running: Option<Running>,
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
        let sim = Simulator::start(sim).await.expect("simulator starts");
        let db = fresh_db(backend).await;
        let store = app::open_store(&db.url).await.expect("database opens");
        let entries = orgfile::parse(ORG, "org.toml", &[]).expect("test org parses");
        let mut tx = store.begin().await.expect("tx");
        tx.import_units(&entries).await.expect("import");
        tx.commit().await.expect("commit");
        let mut bot = TestBot {
            sim,
            db,
            store,
            config,
            limits: Limits::telegram(),
            running: None,
        };
        bot.start().await;
        bot
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
        s
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
        self.running = Some(app::start(settings).await.expect("bot starts"));
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("bot running")
    }

    /// Stop the bot gracefully, as on SIGTERM.
    pub async fn shutdown(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    /// Stop the bot abruptly, as a crash would.
    pub fn kill(&mut self) {
        if let Some(r) = self.running.take() {
            r.kill();
        }
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
