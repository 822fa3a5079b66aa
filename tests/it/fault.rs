//! The fault test: three `lookout run` processes in webhook mode, behind the simulator's
//! load balancer, on one PostgreSQL database, under a mixed load: joins, a zero-report round
//! (reminders, answers, nags, escalation level by level, the summary), hazard reports and
//! anonymous tips. Midway the process holding the sender lock is SIGKILLed, and the
//! simulator answers some sends with 5xx and 429.
//!
//! Every expected message arrives, and exactly once, except a message whose send was on its
//! way when the process died: Telegram has no idempotency key, so the one crash window is
//! "sent, not yet recorded" and such a message arrives twice rather than never. The test
//! freezes the victim first (SIGSTOP), notes which messages it had claimed, and allows only
//! those to arrive twice. Every state change is recorded once.

use crate::common::{self, free_addr, is_reminder, Backend, TestBot, TIP_KEY, WAIT};
use lookout::config::{Config, CronSchedule};
use lookout::org::{file as orgfile, Role};
use lookout::sim::{SimConfig, SimUser};
use lookout::store::{Job, Store};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECRET: &str = "fault-test-secret";

/// The test district (two towns, 李家村) and five more villages; each village has a duty
/// officer.
fn org() -> String {
    let mut org = common::ORG.to_string();
    for (id, name, town) in [
        ("w2", "王二村", "wangcun"),
        ("w3", "王三村", "wangcun"),
        ("n1", "南一村", "nanjiao"),
        ("n2", "南二村", "nanjiao"),
        ("n3", "南三村", "nanjiao"),
    ] {
        org.push_str(&format!(
            "\n[[unit]]\nid = \"{id}\"\nname = \"{name}\"\nparent = \"{town}\"\n"
        ));
    }
    org
}

/// (unit, name, town, answers the zero report?)
const VILLAGES: [(&str, &str, &str, bool); 6] = [
    ("lijia", "李家村", "wangcun", true),
    ("w2", "王二村", "wangcun", true),
    ("w3", "王三村", "wangcun", false),
    ("n1", "南一村", "nanjiao", true),
    ("n2", "南二村", "nanjiao", false),
    ("n3", "南三村", "nanjiao", false),
];

/// One round, `in_secs` from now: remind then, deadline 12 s later, summary 3 s after that;
/// missing answers escalate at once to the village (whose supervisor is the town's: the
/// villages have none), 2 s later to the town, 2 s after that to the district. On the real
/// clock: the replicas are processes of the real binary, which has no other.
fn config(in_secs: i64) -> String {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let at = |secs: i64| CronSchedule::once_text(&(now + chrono::Duration::seconds(secs)));
    format!(
        "locale = \"en\"\n[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\n\
         remind = \"{}\"\ndeadline = \"{}\"\nsummary = \"{}\"\n\
         nag = \"80%\"\nescalate = [\"0s\", \"2s\", \"4s\"]\n",
        at(in_secs),
        at(in_secs + 12),
        at(in_secs + 15)
    )
}

/// Time for the replicas to start and everyone to join before the round opens, and none for
/// it to open halfway through the joins.
const SETUP_SECS: i64 = 15;

struct Replica {
    name: String,
    child: Child,
    log: std::path::PathBuf,
}

fn spawn_replica(
    bot: &TestBot,
    dir: &std::path::Path,
    name: &str,
    listen: SocketAddr,
    public: &str,
) -> Replica {
    let log = dir.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).expect("log file");
    let key: String = TIP_KEY.iter().map(|b| format!("{b:02x}")).collect();
    let child = Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args([
            "run",
            "--webhook",
            &listen.to_string(),
            "--public-url",
            public,
        ])
        .current_dir(dir)
        .env("TELOXIDE_TOKEN", bot.sim.token())
        .env("TELOXIDE_API_URL", bot.sim.api_url())
        .env(
            "DATABASE_URL",
            format!("{}&application_name={name}", bot.db.url),
        )
        .env("LOOKOUT_CONFIG", dir.join("lookout.toml"))
        .env("LOOKOUT_WEBHOOK_SECRET", SECRET)
        .env("LOOKOUT_TIP_KEY", key)
        .env("RUST_LOG", "warn,lookout=info")
        .stdout(Stdio::null())
        .stderr(out)
        .spawn()
        .expect("lookout starts");
    Replica {
        name: name.into(),
        child,
        log,
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- {} log ---\n{log}", self.name);
        }
    }
}

async fn healthy(addr: SocketAddr) {
    let url = format!("http://{addr}/health");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(r) = reqwest::get(&url).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} never healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Which replica holds a job, by the application name of the lock's connection.
async fn holder(store: &Store, job: Job, names: &[String]) -> Option<String> {
    let Store::Postgres(p) = store else {
        panic!("PostgreSQL only")
    };
    let sql = "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 \
               AND l.classid::bigint = $1 AND a.application_name = ANY($2)";
    sqlx::query_scalar(sql)
        .bind(i64::from(job.lock_class()))
        .bind(names)
        .fetch_optional(p)
        .await
        .expect("pg_locks")
}

async fn file_hazard(bot: &TestBot, worker: &SimUser, text: &str) {
    worker.send_text(&format!("/report {text}"));
    bot.press_label(worker, "forest fire risk").await;
    bot.press_label(worker, "Submit (ordinary)").await;
    bot.wait_text(worker.id(), "submitted").await;
}

async fn send_tip(bot: &TestBot, who: &SimUser, text: &str) {
    assert!(bot.ask(who, "/tip").await.text().contains("Anonymous tip"));
    assert!(bot.ask(who, text).await.text().contains("Noted"));
    bot.press_label(who, "✅ Send tip").await;
    bot.wait_text(who.id(), "receipt code").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_a_kill_and_injected_errors_lose_and_repeat_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let config = config(SETUP_SECS);
    std::fs::write(dir.path().join("lookout.toml"), &config).expect("config");
    let cfg = Config::parse(&config, "lookout.toml").expect("config parses");
    let mut bot = TestBot::spawn_with(Backend::Postgres, SimConfig::default(), cfg).await;
    bot.kill(); // the replicas below are the bot; this only prepared the database
    let entries = orgfile::parse(&org(), "org.toml", &[]).expect("org");
    let mut tx = bot.store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("import");
    tx.commit().await.expect("commit");

    let addrs: Vec<SocketAddr> = (0..3).map(|_| free_addr()).collect();
    let public = format!("http://{}/telegram", addrs[0]);
    let mut replicas: Vec<Replica> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| spawn_replica(&bot, dir.path(), &format!("replica{i}"), *a, &public))
        .collect();
    bot.sim.balance_webhook(
        addrs
            .iter()
            .map(|a| format!("http://{a}/telegram"))
            .collect(),
    );
    for a in &addrs {
        healthy(*a).await;
    }
    assert_eq!(bot.sim.webhook_url(), Some(public));

    // People join through the replicas.
    let officers: Vec<SimUser> = (0..6)
        .map(|i| bot.sim.user(100 + i, &format!("Officer{i}"), Some("en")))
        .collect();
    let workers: Vec<SimUser> = (0..3)
        .map(|i| bot.sim.user(200 + i, &format!("Worker{i}"), Some("en")))
        .collect();
    let town_leads = [
        bot.sim.user(301, "Wangcun Lead", Some("en")),
        bot.sim.user(302, "Nanjiao Lead", Some("en")),
    ];
    let boss = bot.sim.user(300, "District Lead", Some("en"));
    let mut joins = Vec::new();
    for (o, v) in officers.iter().zip(VILLAGES) {
        joins.push(bot.join(o, v.0, Role::DutyOfficer));
    }
    for (w, v) in workers.iter().zip(["lijia", "w2", "n1"]) {
        joins.push(bot.join(w, v, Role::GridWorker));
    }
    joins.push(bot.join(&town_leads[0], "wangcun", Role::Supervisor));
    joins.push(bot.join(&town_leads[1], "nanjiao", Role::Supervisor));
    joins.push(bot.join(&boss, "zhoucun", Role::Supervisor));
    futures::future::join_all(joins).await;

    // The round: every officer is reminded.
    let mut reminders = Vec::new();
    for o in &officers {
        let r = bot
            .sim
            .wait_for(o.id(), Duration::from_secs(30), is_reminder)
            .await
            .expect("reminder");
        reminders.push(r);
    }
    bot.sim.fail_next(3, 502);
    bot.sim.throttle_next(2, 1);
    // Half the villages answer; hazards and tips come in meanwhile.
    let answering: Vec<usize> = (0..6).filter(|i| VILLAGES[*i].3).collect();
    let first = answering[0];
    officers[first].press(&reminders[first], &reminders[first].button_data()[0]);
    let tipsters: Vec<SimUser> = (0..3)
        .map(|i| bot.sim.user(900 + i, &format!("Tipster{i}"), Some("en")))
        .collect();
    let (hazards, tips) = (
        futures::future::join_all(workers.iter().enumerate().map(|(i, w)| {
            file_hazard(
                &bot,
                w,
                [
                    "Smoke by the orchard",
                    "Dry brush piled at the road",
                    "Sparks from a power line",
                ][i],
            )
        })),
        futures::future::join_all(tipsters.iter().enumerate().map(|(i, t)| {
            send_tip(
                &bot,
                t,
                [
                    "Someone burns straw at night",
                    "Fuel stored in a barn",
                    "A locked fire exit",
                ][i],
            )
        })),
    );
    let load = async { tokio::join!(hazards, tips) };
    let kill = async {
        // Midway: freeze the sender, note what it had claimed, then kill it.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let names: Vec<String> = replicas.iter().map(|r| r.name.clone()).collect();
        let victim_name = holder(&bot.store, Job::Sender, &names)
            .await
            .expect("a replica sends");
        let victim = replicas
            .iter()
            .position(|r| r.name == victim_name)
            .expect("victim");
        let pid = replicas[victim].child.id().to_string();
        assert!(Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .expect("kill")
            .success());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let claimed = claimed_texts(&bot.store).await;
        replicas[victim].child.kill().expect("SIGKILL");
        replicas[victim].child.wait().expect("reaped");
        let dead = replicas.remove(victim);
        let takeover = tokio::time::Instant::now();
        loop {
            let alive: Vec<String> = replicas.iter().map(|r| r.name.clone()).collect();
            if holder(&bot.store, Job::Sender, &alive).await.is_some() {
                break;
            }
            assert!(
                takeover.elapsed() < Duration::from_secs(5),
                "no sender took over"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "killed {} (the sender) with {} message(s) claimed; another took over in {:?}",
            dead.name,
            claimed.len(),
            takeover.elapsed()
        );
        (dead, claimed)
    };
    let (_, (dead, claimed)) = tokio::join!(load, kill);
    for &i in &answering[1..] {
        officers[i].press(&reminders[i], &reminders[i].button_data()[0]);
    }

    // Expected messages: nags and escalations for the silent villages, the summary.
    for (i, v) in VILLAGES.iter().enumerate() {
        if v.3 {
            bot.sim
                .wait_for(officers[i].id(), WAIT, |m| {
                    m.message_id == reminders[i].message_id && m.text().contains("filed")
                })
                .await
                .expect("answer recorded on the reminder");
            continue;
        }
        bot.wait_text(officers[i].id(), "has not filed").await;
        let lead = if v.2 == "wangcun" {
            &town_leads[0]
        } else {
            &town_leads[1]
        };
        for (who, level) in [(lead, "Level 1"), (lead, "Level 2"), (&boss, "Level 3")] {
            bot.sim
                .wait_for(who.id(), WAIT, |m| {
                    m.text().contains(level) && m.text().contains(v.1)
                })
                .await
                .unwrap_or_else(|e| panic!("{level} for {}: {e}", v.1));
        }
    }
    bot.wait_text(boss.id(), "Zero reports for").await;
    // Each hazard reaches its village's officer; each tip the desk (the district).
    for i in [0, 1, 3] {
        bot.wait_text(officers[i].id(), "H-").await;
    }
    let desk = bot
        .sim
        .wait_for_all(boss.id(), WAIT, |all| {
            all.iter()
                .filter(|m| m.text().contains("New anonymous tip"))
                .count()
                == 3
        })
        .await;
    assert!(desk.is_ok(), "three tips at the desk: {desk:?}");
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;

    // Exactly once: no chat got the same message twice, except what the victim had claimed.
    let mut chats: Vec<i64> = officers
        .iter()
        .chain(&workers)
        .chain(&tipsters)
        .map(|u| u.id())
        .collect();
    chats.extend(town_leads.iter().map(|u| u.id()));
    chats.push(boss.id());
    let mut repeated = Vec::new();
    for chat in chats {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in bot.sim.sent(chat) {
            *seen.entry(m.text().to_string()).or_default() += 1;
        }
        for (text, n) in seen {
            if n > 1 {
                assert!(
                    n == 2 && claimed.iter().any(|c| text.starts_with(c.as_str())),
                    "chat {chat} got {n}× a message the killed replica had not claimed: {text}"
                );
                repeated.push(text);
            }
        }
    }
    eprintln!(
        "sent twice because the crash cut them off: {}",
        repeated.len()
    );

    // Every state change recorded once.
    for (sql, want) in [
        ("SELECT COUNT(*) FROM inbox WHERE state <> 'done'", 0),
        ("SELECT COUNT(*) FROM memberships", 12),
        ("SELECT COUNT(*) FROM zero_answers", 3),
        ("SELECT COUNT(*) FROM hazards", 3),
        ("SELECT COUNT(*) FROM tips", 3),
        ("SELECT COUNT(*) FROM escalations WHERE subject LIKE 'zero:%'", 3),
        ("SELECT COUNT(*) FROM outbox WHERE state = 'failed'", 0),
        ("SELECT COUNT(*) FROM timers WHERE state = 'failed'", 0),
        (
            "SELECT COUNT(*) FROM (SELECT escalation_id, level FROM escalation_events \
             WHERE kind = 'notified' GROUP BY escalation_id, level, person_id HAVING COUNT(*) > 1) d",
            0,
        ),
    ] {
        assert_eq!(bot.count(sql).await, want, "{sql}");
    }
    let stats = bot.sim.stats();
    assert!(
        stats.server_errors >= 3 && stats.throttled >= 2,
        "{stats:?}"
    );
    drop(dead);
}

/// The texts of messages claimed for sending and not recorded as sent.
async fn claimed_texts(store: &Store) -> Vec<String> {
    let Store::Postgres(p) = store else {
        panic!("PostgreSQL only")
    };
    let sql = "SELECT payload FROM outbox WHERE state = 'pending' AND lease_until IS NOT NULL";
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(p).await.expect("outbox");
    rows.iter()
        .filter_map(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .filter_map(|v| v["text"].as_str().map(|t| t.chars().take(20).collect()))
        .collect()
}
