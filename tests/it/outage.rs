//! The machine fails under the bot, for real: the disk fills up under SQLite while people
//! write, and PostgreSQL goes away for 15 s under traffic (through a proxy the test cuts, never
//! by stopping the shared server). Each time: nothing lost, nothing answered twice, `/readyz`
//! 503 naming the fault while it lasts, and the bot resumes by itself within 10 s after it.

use crate::common::{fresh_db, pg_base, proxy, Backend, TestBot, TestDb};
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::org::Role;
use lookout::sim::{SimConfig, SimUser};
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How soon after the fault is gone everything must be answered.
const RESUME: Duration = Duration::from_secs(10);

/// A file system of `mb` megabytes of its own (tmpfs; CI runs as root), unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mb: u32) -> SmallDisk {
        let dir = tempfile::tempdir().expect("a directory to mount on");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        // A test that cannot set up its fault fails: it proves nothing by passing.
        assert!(
            status.success(),
            "mounting a small tmpfs failed (this test needs root)"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn filler(&self) -> PathBuf {
        self.path().join("filler")
    }

    /// Take every byte left, to the last one.
    fn fill(&self) {
        let mut f = std::fs::File::create(self.filler()).expect("filler");
        let mut chunk = vec![0u8; 1 << 20];
        while !chunk.is_empty() {
            match f.write(&chunk) {
                Ok(0) => chunk.truncate(chunk.len() / 2),
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => chunk.truncate(chunk.len() / 2),
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        let _ = f.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.filler()).expect("filler removed");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    match reqwest::get(format!("http://{addr}{path}")).await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => (0, e.to_string()),
    }
}

/// Wait until `/readyz` answers `status` with `body`, or fail saying what it answered.
async fn ready_becomes(addr: SocketAddr, status: u16, body: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let got = get(addr, "/readyz").await;
        if got.0 == status && got.1.trim() == body {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz answered {got:?}, not {status} {body:?}, within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn fast_sim() -> SimConfig {
    SimConfig {
        limits: None,
        ..SimConfig::default()
    }
}

fn with_http() -> Config {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    config
}

/// `/help` sent, per person, and the replies they had before.
#[derive(Default)]
struct Sent {
    helps: HashMap<i64, usize>,
    before: HashMap<i64, usize>,
}

impl Sent {
    fn baseline(&mut self, bot: &TestBot, people: &[SimUser]) {
        for p in people {
            self.before.insert(p.id(), bot.sim.sent(p.id()).len());
        }
    }

    fn help(&mut self, who: &SimUser) {
        who.send_text("/help");
        *self.helps.entry(who.id()).or_default() += 1;
    }

    /// Every `/help` answered, once each (`wait` for the last ones to arrive first).
    async fn all_answered_once(&self, bot: &TestBot, wait: Duration) {
        for (id, n) in &self.helps {
            let want = self.before[id] + n;
            bot.sim
                .wait_for_count(*id, want, wait)
                .await
                .unwrap_or_else(|e| panic!("person {id}: {n} /help not all answered: {e}"));
        }
        bot.quiesce().await;
        for (id, n) in &self.helps {
            let got = bot.sim.sent(*id).len() - self.before[id];
            assert_eq!(got, *n, "person {id}: {n} /help, {got} replies");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_refuses_nothing_for_good() {
    let disk = SmallDisk::mount(48);
    let url = format!("sqlite://{}", disk.path().join("lookout.db").display());
    let mut bot = TestBot::prepare_on(TestDb::at(url), fast_sim(), with_http()).await;
    bot.limits = Limits::none();
    bot.start().await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let people: Vec<SimUser> = (0..5)
        .map(|i| {
            bot.sim
                .user(7100 + i, &format!("Worker {i}"), Some("zh-CN"))
        })
        .collect();
    for p in &people {
        bot.join(p, "lijia", Role::GridWorker).await;
    }
    let code = bot.invite("lijia", Role::GridWorker, 1, None).await;
    let newcomer = bot.sim.user(7199, "Newcomer", Some("zh-CN"));
    ready_becomes(addr, 200, "ready", Duration::from_secs(5)).await;

    disk.fill();
    let mut sent = Sent::default();
    sent.baseline(&bot, &people);
    for _ in 0..3 {
        for p in &people {
            sent.help(p);
        }
    }
    newcomer.send_text(&format!("/start {code}"));
    // Said, not hidden: not ready, naming the fault, and counted.
    ready_becomes(addr, 503, "disk full", Duration::from_secs(20)).await;
    let metrics = get(addr, "/metrics").await.1;
    let counted = metrics
        .lines()
        .find_map(|l| l.strip_prefix("lookout_store_errors_total{kind=\"disk_full\"} "))
        .and_then(|n| n.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(counted > 0.0, "store errors not counted:\n{metrics}");
    // The fault lasts while people keep writing (long enough for SQLite to roll back a
    // transaction itself, which once left a connection that refused every `BEGIN` after).
    for p in &people {
        sent.help(p);
    }
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        get(addr, "/readyz").await,
        (503, "disk full\n".to_string()),
        "still full, still not ready"
    );

    disk.free();
    let freed = Instant::now();
    sent.all_answered_once(&bot, RESUME).await;
    bot.sim
        .wait_for_count(newcomer.id(), 1, RESUME.saturating_sub(freed.elapsed()))
        .await
        .expect("the newcomer welcomed once the disk has room");
    ready_becomes(addr, 200, "ready", RESUME.saturating_sub(freed.elapsed())).await;
    assert!(
        freed.elapsed() <= RESUME,
        "resumed {:?} after the disk had room",
        freed.elapsed()
    );
    // And it goes on serving.
    let mut after = Sent::default();
    after.baseline(&bot, &people[..1]);
    after.help(&people[0]);
    after.all_answered_once(&bot, Duration::from_secs(5)).await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM memberships WHERE unit_id = 'lijia'")
            .await,
        6,
        "five people and the newcomer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_gone_for_fifteen_seconds_under_traffic() {
    let db = fresh_db(Backend::Postgres).await;
    let direct = url::Url::parse(&pg_base()).expect("the PostgreSQL URL");
    let target: SocketAddr = format!(
        "{}:{}",
        direct.host_str().unwrap_or("127.0.0.1"),
        direct.port().unwrap_or(5432)
    )
    .parse()
    .expect("PostgreSQL at an IP address");
    let proxy = proxy::Proxy::start(target).await;
    // The test reads the database directly; the bot goes through the proxy.
    let proxied = {
        let mut u = url::Url::parse(&db.url).expect("the test database URL");
        u.set_port(Some(proxy.addr().port())).expect("port");
        u.to_string()
    };
    let mut bot = TestBot::prepare_on(db, fast_sim(), with_http()).await;
    bot.limits = Limits::none();
    bot.db.url = proxied;
    bot.start().await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let people: Vec<SimUser> = (0..4)
        .map(|i| {
            bot.sim
                .user(7200 + i, &format!("Officer {i}"), Some("zh-CN"))
        })
        .collect();
    for p in &people {
        bot.join(p, "wangcun", Role::DutyOfficer).await;
    }
    ready_becomes(addr, 200, "ready", Duration::from_secs(5)).await;

    // Four `/help` a second, from before the outage to after it.
    let sent = Arc::new(Mutex::new(Sent::default()));
    sent.lock().expect("sent").baseline(&bot, &people);
    let traffic = {
        let (sent, people) = (sent.clone(), people.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            for i in 0.. {
                tick.tick().await;
                sent.lock().expect("sent").help(&people[i % people.len()]);
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.cut();
    let cut = Instant::now();
    ready_becomes(addr, 503, "database unreachable", Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(15).saturating_sub(cut.elapsed())).await;
    proxy.restore();
    let restored = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    traffic.abort();
    let sent = std::mem::take(&mut *sent.lock().expect("sent"));
    assert!(
        sent.helps.values().sum::<usize>() >= 70,
        "traffic all along"
    );
    sent.all_answered_once(&bot, RESUME.saturating_sub(restored.elapsed()))
        .await;
    ready_becomes(
        addr,
        200,
        "ready",
        RESUME.saturating_sub(restored.elapsed()),
    )
    .await;
    assert!(
        restored.elapsed() <= RESUME,
        "resumed {:?} after the database came back",
        restored.elapsed()
    );
}
