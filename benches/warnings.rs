//! A warning to 10,000 recipients, on SQLite and PostgreSQL, through the real bot and the
//! simulator: `cargo bench --bench warnings`. PostgreSQL from `LOOKOUT_BENCH_PG` (default
//! postgres://postgres@127.0.0.1:5432/test).
//!
//! One town with its villages, 10,000 people holding a role there, and the town's supervisor,
//! who sends `/warn t0 red TEXT` from the simulated Telegram. Per backend:
//! - free: `warning.paid_broadcast = false`, Telegram's limits on both sides. The time from
//!   the command being sent to the first copy accepted by the simulator; then the rate over
//!   the first `WARNINGS_FREE_SECS` (default 30) seconds of copies (all 10,000 would take
//!   almost six minutes at 29/s), against 30/s, and the 429 answers;
//! - paid: `warning.paid_broadcast = true`: every copy, its rate against the paid broadcast's
//!   1,000/s, the 429 answers, the time to the first copy;
//! - confirmations: a fresh warning to the 10,000 with no limits in the simulator or the
//!   sender (so only the inbound cost shows), then each recipient presses Received (`wok:ID`)
//!   on its copy: spread evenly over `WARNINGS_PRESS_SECS` (default 60) seconds, then, for a
//!   second warning, all at once. Recorded confirmations, the tally message's final text,
//!   handling latency (the press stored by the poller → its callback answer queued, as in the
//!   inbound bench) and throughput, and how many tally edits it took.
//!
//! `WARNINGS_RECIPIENTS=N` scales the district down for a quick run;
//! `WARNINGS_BACKENDS=sqlite` (or `postgres`) and `WARNINGS_SCENARIOS=free,paid,ok` (any of
//! them) run a part, and `limited` adds the paced presses under Telegram's limits; `WARNINGS_FREE_SECS` and `WARNINGS_PRESS_SECS` change the windows. Any of
//! these writes no results section.
mod common;

use common::load::{measure, Phase};
use common::{
    count, cpu_secs, env_num, pairs, Backend, BenchDb, Org, PersonSpec, UnitSpec, FIRST_USER,
};
use lookout::app::{self, Running, Settings};
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::sim::{SentMessage, SimConfig, SimEvent, SimUser, Simulator};
use lookout::store::Store;
use lookout::telegram::api::BotApi;
use serde_json::json;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

const FULL: usize = 10_000;
const FREE_LIMIT: f64 = 30.0;
const PAID_LIMIT: f64 = 1_000.0;
const FIRST_TARGET_S: f64 = 1.0;
const SHARE_TARGET: f64 = 95.0;
const TEXT: &str = "今日森林火险等级极高，严禁野外用火";

/// The district `d` → the town `t0` → villages `t0v*`, no duty rooms. Person 0 is the town's
/// supervisor (the issuer); the `n` others are the recipients: two duty officers of the town,
/// and in each village a duty officer and grid workers.
fn town(n: usize) -> Org {
    let villages = (n / 100).clamp(1, 100);
    let mut units = vec![
        UnitSpec {
            id: "d".into(),
            name: "周村区".into(),
            parent: None,
            duty_chat: None,
            level: 0,
        },
        UnitSpec {
            id: "t0".into(),
            name: "王村镇".into(),
            parent: Some("d".into()),
            duty_chat: None,
            level: 1,
        },
    ];
    for v in 0..villages {
        units.push(UnitSpec {
            id: format!("t0v{v}"),
            name: format!("王村镇{v}村"),
            parent: Some("t0".into()),
            duty_chat: None,
            level: 2,
        });
    }
    let mut people = vec![PersonSpec {
        tg_user_id: FIRST_USER,
        unit: 1,
        role: "supervisor",
    }];
    for i in 0..n {
        let (unit, role) = if i < 2 {
            (1, "duty_officer")
        } else {
            let k = i - 2;
            let role = if k < villages {
                "duty_officer"
            } else {
                "grid_worker"
            };
            (2 + k % villages, role)
        };
        people.push(PersonSpec {
            tg_user_id: FIRST_USER + 1 + i as i64,
            unit,
            role,
        });
    }
    Org { units, people }
}

/// When the simulator accepted each copy of a warning (its Received button carries `wok:ID`).
#[derive(Default)]
struct Copies {
    at: Vec<Instant>,
    /// Events the listener fell behind on (then `at` misses some; the counts come from the
    /// simulator's stats instead).
    lagged: u64,
}

fn listen(sim: &Simulator, warning: i64) -> Arc<Mutex<Copies>> {
    let copies = Arc::new(Mutex::new(Copies::default()));
    let out = copies.clone();
    let data = format!("wok:{warning}");
    let mut rx = sim.events();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(SimEvent::BotSent { message, .. })
                    if message.buttons.iter().flatten().any(|(_, d)| *d == data) =>
                {
                    out.lock().unwrap().at.push(Instant::now());
                }
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => out.lock().unwrap().lagged += n,
                Err(RecvError::Closed) => break,
            }
        }
    });
    copies
}

/// A district loaded, its people in the simulator, the bot running against it.
struct Bench {
    backend: Backend,
    sim: Simulator,
    store: Store,
    running: Option<Running>,
    users: Vec<SimUser>,
    db: BenchDb,
}

impl Bench {
    async fn start(
        backend: Backend,
        tag: &str,
        n: usize,
        config: Config,
        limited: bool,
    ) -> anyhow::Result<Bench> {
        let sim = Simulator::start(SimConfig {
            limits: limited.then(lookout::sim::Limits::telegram),
            ..SimConfig::default()
        })
        .await?;
        let db = BenchDb::create(backend, tag).await?;
        let store = app::open_store(&db.url).await?;
        let org = town(n);
        org.load(&store).await?;
        let users = org.in_simulator(&sim);
        let mut s = Settings::new(&sim.token(), &sim.api_url(), &db.url, config);
        s.poll_timeout_secs = 1;
        s.tip_key = Some([7; 32]);
        if !limited {
            s.limits = Limits::none();
        }
        let running = app::start(s).await?;
        // Let the start-up calls (command menus) settle before the clock starts.
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(Bench {
            backend,
            sim,
            store,
            running: Some(running),
            users,
            db,
        })
    }

    fn issuer(&self) -> &SimUser {
        &self.users[0]
    }

    async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        count(&self.store, sql).await
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(r) = self.running.take() {
            r.kill();
        }
        self.sim.shutdown();
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.store.close().await;
        if let Some(s) = self.db.schema.take() {
            s.drop_schema().await?;
        }
        Ok(())
    }
}

/// Where the time to the first copy went, from the database's stamps (ms).
#[derive(Default, Clone, Copy)]
struct FirstCopy {
    /// Command sent → first copy accepted by the simulator.
    total_s: f64,
    /// Command sent → stored by the poller.
    to_stored: i64,
    /// Stored → the handler's clock reading (`warnings.issued_at`).
    to_handler: i64,
    /// Handler started → first copy accepted (audience, rows, commit, first sender pass).
    to_first: i64,
}

/// Sends the command and waits for the first copy of warning `id`.
async fn issue(
    b: &Bench,
    id: i64,
    copies: &Arc<Mutex<Copies>>,
) -> anyhow::Result<(Instant, FirstCopy)> {
    let sent_ms = chrono::Utc::now().timestamp_millis();
    let sent = Instant::now();
    b.issuer().send_text(&format!("/warn t0 red {TEXT}"));
    let deadline = sent + Duration::from_secs(60);
    let first = loop {
        if let Some(t) = copies.lock().unwrap().at.first().copied() {
            break t;
        }
        anyhow::ensure!(Instant::now() < deadline, "no copy of W-{id} within 60 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let first_ms = sent_ms + first.duration_since(sent).as_millis() as i64;
    let issued_at = b
        .count(&format!("SELECT issued_at FROM warnings WHERE id = {id}"))
        .await?;
    let stored = b
        .count(&format!(
            "SELECT MAX(received_at) FROM inbox WHERE received_at <= {issued_at}"
        ))
        .await?;
    Ok((
        first,
        FirstCopy {
            total_s: first.duration_since(sent).as_secs_f64(),
            to_stored: stored - sent_ms,
            to_handler: issued_at - stored,
            to_first: first_ms - issued_at,
        },
    ))
}

struct Delivery {
    backend: Backend,
    paid: bool,
    recipients: usize,
    first: FirstCopy,
    /// Copies counted in the measured span, and the span (first → last of them).
    copies: usize,
    span_s: f64,
    rate: f64,
    limit: f64,
    throttled: u64,
    paid_sends: u64,
    /// Paid: every copy delivered within the time allowed.
    complete: bool,
    lagged: u64,
    /// Cores used during the measured span: this process (bot and simulator), and the whole
    /// machine (with PostgreSQL's server).
    cpu_self: f64,
    cpu_machine: f64,
    /// Free: the database costs with the rest of the fan-out still waiting.
    floor: Option<Floor>,
    /// Each 429: what the copies and the tally timer did in the second before it.
    throttle_notes: Vec<String>,
}

impl Delivery {
    fn share(&self) -> f64 {
        self.rate / self.limit * 100.0
    }
    fn met(&self) -> bool {
        self.first.total_s <= FIRST_TARGET_S
            && self.share() >= SHARE_TARGET
            && self.throttled == 0
            && self.complete
    }
}

/// Free limits (the first `window` seconds of copies) or paid broadcast (every copy).
async fn delivery(backend: Backend, n: usize, paid: bool, window: f64) -> anyhow::Result<Delivery> {
    let mut config = base_config();
    config.warning.paid_broadcast = paid;
    let tag = if paid { "warn_paid" } else { "warn_free" };
    let mut b = Bench::start(backend, tag, n, config, true).await?;
    let copies = listen(&b.sim, 1);
    let throttles = watch_throttles(&b.sim);
    let origin_ms = chrono::Utc::now().timestamp_millis();
    let origin = Instant::now();
    let (first, fc) = issue(&b, 1, &copies).await?;
    let cpu_at_first = (cpu_secs(), cpu_machine());
    // Free: a window of the fan-out. Paid: all of it, allowing for a tenth of the target.
    let until = if paid {
        first + Duration::from_secs_f64((n as f64 / 100.0).max(30.0))
    } else {
        first + Duration::from_secs_f64(window)
    };
    let mut complete = true;
    loop {
        let have = copies.lock().unwrap().at.len();
        if have >= n {
            break;
        }
        if Instant::now() >= until {
            complete = !paid;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu_at_end = (cpu_secs(), cpu_machine());
    let stats = b.sim.stats();
    let (at, lagged) = {
        let c = copies.lock().unwrap();
        (c.at.clone(), c.lagged)
    };
    let end = if paid { Instant::now() } else { until };
    let within: Vec<Instant> = at.iter().copied().filter(|t| *t <= end).collect();
    let last = within.last().copied().unwrap_or(first);
    let span_s = last.duration_since(first).as_secs_f64();
    let rate = (within.len().saturating_sub(1)) as f64 / span_s.max(1e-9);
    let wall = first.elapsed().as_secs_f64().max(1e-9);
    let cpu_self_used = (cpu_at_end.0 - cpu_at_first.0) / wall;
    let cpu_machine_used = machine_cores(cpu_at_first.1, cpu_at_end.1);
    let throttled_at: Vec<Instant> = throttles.lock().unwrap().clone();
    let throttle_notes = if throttled_at.is_empty() {
        Vec::new()
    } else {
        explain_throttles(&b, &within, &throttled_at, first, origin, origin_ms).await?
    };
    let floor = if paid {
        None
    } else {
        // Stop the bot: the rest of the fan-out still waits in the outbox.
        if let Some(r) = b.running.take() {
            r.kill();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        Some(floor(&b, n).await?)
    };
    let d = Delivery {
        backend,
        paid,
        recipients: n,
        first: fc,
        copies: within.len(),
        span_s,
        rate,
        limit: if paid { PAID_LIMIT } else { FREE_LIMIT },
        throttled: stats.throttled,
        paid_sends: stats.paid_sends,
        complete,
        lagged,
        cpu_self: cpu_self_used,
        cpu_machine: cpu_machine_used,
        floor,
        throttle_notes,
    };
    println!(
        "{} {}: first copy {:.3} s after the command (stored +{} ms, handler +{} ms, first copy +{} ms); \
         {} copies in {:.2} s = {:.1}/s = {:.1}% of {}/s; 429: {}; paid sends {}; lagged events {}; \
         cores used: {:.2} by the bench process, {:.2} by the machine{}",
        backend.name(),
        if paid { "paid" } else { "free" },
        fc.total_s,
        fc.to_stored,
        fc.to_handler,
        fc.to_first,
        d.copies,
        span_s,
        rate,
        d.share(),
        d.limit,
        d.throttled,
        d.paid_sends,
        lagged,
        d.cpu_self,
        d.cpu_machine,
        if complete { "" } else { " (NOT all copies delivered in time)" }
    );
    b.stop().await?;
    Ok(d)
}

/// When the simulator answered 429 (sampled every 2 ms).
fn watch_throttles(sim: &Simulator) -> Arc<Mutex<Vec<Instant>>> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let at = out.clone();
    let sim = sim.clone();
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            let now = sim.stats().throttled;
            if now > seen {
                let t = Instant::now();
                at.lock().unwrap().extend((seen..now).map(|_| t));
                seen = now;
            }
            if Arc::strong_count(&at) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    out
}

/// Each 429: the copies in the second before it (the simulator's window), the longest gap
/// between two of them, and the tally timer runs near it.
async fn explain_throttles(
    b: &Bench,
    copies: &[Instant],
    throttled: &[Instant],
    first: Instant,
    origin: Instant,
    origin_ms: i64,
) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    let fires = pairs(
        &b.store,
        "SELECT id, fired_at FROM timers WHERE kind = 'warning.tally' AND fired_at IS NOT NULL \
         ORDER BY fired_at",
    )
    .await?;
    let rel = |t: Instant| t.duration_since(first).as_secs_f64() * 1000.0;
    let fire_rel: Vec<f64> = fires
        .iter()
        .map(|(_, at)| {
            (*at - origin_ms) as f64 - first.duration_since(origin).as_secs_f64() * 1000.0
        })
        .collect();
    for &t in throttled {
        let window: Vec<Instant> = copies
            .iter()
            .copied()
            .filter(|c| *c <= t && t.duration_since(*c) < Duration::from_millis(1100))
            .collect();
        let (gap, gap_at) = window
            .windows(2)
            .map(|w| (w[1].duration_since(w[0]), w[1]))
            .max()
            .unwrap_or((Duration::ZERO, t));
        let in_1000 = window
            .iter()
            .filter(|c| t.duration_since(**c) < Duration::from_millis(1000))
            .count();
        let near: Vec<String> = fire_rel
            .iter()
            .filter(|f| (**f - rel(t)).abs() < 1500.0)
            .map(|f| format!("{:+.0}", f - rel(t)))
            .collect();
        let note = format!(
            "429 at +{:.1} s: {in_1000} copies in the second before it; longest gap {} ms, \
             ending {:.0} ms before it; tally timer run {} ms from it",
            rel(t) / 1000.0,
            gap.as_millis(),
            t.duration_since(gap_at).as_secs_f64() * 1000.0,
            if near.is_empty() {
                "-".into()
            } else {
                near.join(", ")
            }
        );
        println!("  {note}");
        notes.push(note);
    }
    Ok(notes)
}

/// Costs measured alone (mean ms), with the rest of a free fan-out waiting in the outbox.
#[derive(Clone, Default)]
struct Floor {
    pending: i64,
    /// The sender's pass: `due_messages(now, 60)`, then `next_due`.
    due: f64,
    next_due: f64,
    /// `claim_messages` for a pass's 60, per copy.
    claim: f64,
    /// One `message_sent`: after each answer.
    sent: f64,
    /// The tally timer's transaction (the warning, unreachable marked, tally, unsent copies).
    tally: f64,
    tally_max: f64,
    /// Of it: mark_unreachable_recipients, warning_tally, warning_copies_unsent.
    tally_parts: [f64; 3],
    /// One sendMessage to a simulator without limits: alone, and the rate 32 at a time.
    http: f64,
    http_rate: f64,
    /// Messages/s through the sender's database work alone (see `pipeline`).
    pipeline: f64,
    /// Paid copies/s through the pass's pacing loop alone (the real `Pacer`, no database, no
    /// HTTP), and how long a `tokio::time::sleep` of one paid slot (1.04 ms) really takes.
    pacer_rate: f64,
    sleep_ms: f64,
    /// The same loop if a paid slot up to 2 ms ahead were granted at once (a sketch of a fix).
    /// PostgreSQL: the scans of due_messages' plan, with estimated and actual rows.
    plan: Option<String>,
    /// The database work of one Received press, alone (ms; see `confirm_alone`).
    confirm: f64,
}

async fn floor(b: &Bench, n: usize) -> anyhow::Result<Floor> {
    let store = &b.store;
    let pending = b
        .count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        .await?;
    let now = chrono::Utc::now().timestamp_millis();
    let t = Instant::now();
    for _ in 0..20 {
        store.due_messages(now, 60).await?;
    }
    let due = ms(t) / 20.0;
    let t = Instant::now();
    for _ in 0..20 {
        store.next_due().await?;
    }
    let next_due = ms(t) / 20.0;
    let ids = pairs(
        store,
        "SELECT id, chat_id FROM outbox WHERE state = 'pending' ORDER BY id DESC LIMIT 240",
    )
    .await?;
    let t = Instant::now();
    for chunk in ids.chunks(60) {
        let chunk: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        store
            .claim_messages(&chunk, now, now + 30_000, lookout::delivery::MAX_CLAIMS)
            .await?;
    }
    let claim = ms(t) / ids.len().max(1) as f64;
    let t = Instant::now();
    for (id, _) in &ids {
        store.message_sent(*id, Some(1), now).await?;
    }
    let sent = ms(t) / ids.len().max(1) as f64;
    let mut tally = 0.0;
    let mut tally_max: f64 = 0.0;
    let mut parts = [0.0; 3];
    for _ in 0..5 {
        let t = Instant::now();
        let mut tx = store.begin().await?;
        tx.warning(1).await?;
        let p = Instant::now();
        tx.mark_unreachable_recipients(1).await?;
        parts[0] += ms(p) / 5.0;
        let p = Instant::now();
        tx.warning_tally(1).await?;
        parts[1] += ms(p) / 5.0;
        let p = Instant::now();
        tx.warning_copies_unsent(1).await?;
        parts[2] += ms(p) / 5.0;
        tx.commit().await?;
        tally += ms(t) / 5.0;
        tally_max = tally_max.max(ms(t));
    }
    // The sender's database work without Telegram: claim one by one, record each result
    // 32 at a time (as now); then one claim per 60 (a batch as due_messages returns it).
    let ids: Vec<i64> = pairs(
        store,
        "SELECT id, chat_id FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 4000",
    )
    .await?
    .into_iter()
    .map(|(id, _)| id)
    .collect();
    let pipeline = pipeline(store, &ids).await?;
    let mut plan = None;
    if let Store::Postgres(pg) = store {
        // As the store runs it.
        let mut tx = pg.begin().await?;
        sqlx::query(lookout::store::PLAN_BY_QUEUE)
            .execute(&mut *tx)
            .await?;
        let lines: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN ANALYZE {}", due_sql(now)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        println!(
            "  PostgreSQL's plan of due_messages:\n    {}",
            lines.join("\n    ")
        );
        plan = Some(plan_summary(&lines));
    }
    let (pacer_rate, sleep_ms) = pacer_alone().await;
    let confirm = confirm_alone(store).await?;
    // The Bot API round trip alone, to a simulator of its own without limits.
    let sim = Simulator::start(SimConfig {
        limits: None,
        ..SimConfig::default()
    })
    .await?;
    let users: Vec<i64> = (1..=n.min(3000) as i64).map(|k| 5_000_000 + k).collect();
    for u in &users {
        sim.user(*u, "p", Some("zh-CN"));
    }
    let api = BotApi::new(&sim.api_url(), &sim.token());
    let text = "【红色预警】".repeat(20);
    let params = |u: i64| {
        json!({ "chat_id": u, "text": text, "allow_paid_broadcast": true,
            "reply_markup": { "inline_keyboard": [[{ "text": "收到", "callback_data": "wok:1" }]] } })
    };
    let t = Instant::now();
    for u in users.iter().take(300) {
        let _ = api
            .call("sendMessage", &params(*u), Duration::from_secs(10))
            .await;
    }
    let http = ms(t) / users.len().clamp(1, 300) as f64;
    let t = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(32));
    let mut set = tokio::task::JoinSet::new();
    for u in users.clone() {
        let permit = sem.clone().acquire_owned().await?;
        let api = api.clone();
        let p = params(u);
        set.spawn(async move {
            let _ = api.call("sendMessage", &p, Duration::from_secs(10)).await;
            drop(permit);
        });
    }
    while set.join_next().await.is_some() {}
    let http_rate = users.len() as f64 / t.elapsed().as_secs_f64();
    sim.shutdown();
    let f = Floor {
        pending,
        due,
        next_due,
        claim,
        sent,
        tally,
        tally_max,
        tally_parts: parts,
        http,
        http_rate,
        pipeline,
        pacer_rate,
        sleep_ms,
        plan,
        confirm,
    };
    println!(
        "  alone, with {pending} copies pending: due_messages(60) {:.2} ms, next_due {:.2} ms; claim_messages \
         {:.3} ms a copy; message_sent {:.3} ms; the tally timer's transaction {:.1} ms (worst {:.1}; \
         mark_unreachable_recipients {:.1}, warning_tally {:.1}, warning_copies_unsent {:.1}); \
         sendMessage to the simulator {:.3} ms alone, {:.0}/s 32 at a time; the sender's database \
         work alone {:.0}/s; the pass's pacing \
         loop alone {:.0} paid copies/s, a sleep of one paid slot takes {:.2} ms; a Received press's database work alone {:.2} ms",
        f.due, f.next_due, f.claim, f.sent, f.tally, f.tally_max, parts[0], parts[1], parts[2], f.http,
        f.http_rate, f.pipeline, f.pacer_rate, f.sleep_ms,
        f.confirm
    );
    Ok(f)
}

/// `Store::due_messages`' query (src/store/delivery.rs) with its parameters inlined.
fn due_sql(now: i64) -> String {
    format!(
        "SELECT o.id, o.chat_id, o.method, o.payload, o.edit_of, o.attempts, o.ephemeral FROM outbox o \
         WHERE o.state = 'pending' AND o.not_before <= {now} AND (o.lease_until IS NULL OR o.lease_until < {now}) \
         AND (o.chat_id = 0 OR o.id = (SELECT e.id FROM outbox e WHERE e.chat_id = o.chat_id \
              AND e.state = 'pending' ORDER BY e.urgent DESC, e.id LIMIT 1)) \
         ORDER BY o.urgent DESC, o.id LIMIT 60"
    )
}

/// The pacing loop of `Sender::pass` (src/delivery/mod.rs) for paid copies to distinct
/// chats, with the real pacer and nothing else: copies/s over 3,000. And the mean duration
/// of `tokio::time::sleep` for one paid slot.
async fn pacer_alone() -> (f64, f64) {
    let pacer = lookout::delivery::Pacer::new(Limits::telegram(), lookout::clock::Clock::system());
    let t = Instant::now();
    let n = 3000;
    for chat in 1..=n {
        loop {
            match pacer.reserve(chat, true) {
                Ok(()) => break,
                Err(later)
                    if later <= Duration::from_millis(200) && pacer.chat_wait(chat).is_zero() =>
                {
                    tokio::time::sleep(later).await
                }
                Err(_) => break,
            }
        }
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_micros(1_000_000 / 960)).await;
    }
    (rate, ms(t) / 200.0)
}

/// What handling one Received press asks of the database, statement by statement as the
/// handler does it (src/warning/mod.rs `confirm`, src/telegram/warnings.rs `ok_button`): the
/// sender loaded, then in one transaction the warning (locked), the recipient, the
/// confirmation, the unit tree's version, the copy's edit, the tally's timer, the callback
/// answer and the update marked handled. Mean ms over 300 recipients of W-1.
async fn confirm_alone(store: &Store) -> anyhow::Result<f64> {
    let chats = pairs(
        store,
        "SELECT chat_id, COALESCE(person_id, 0) FROM warning_recipients \
         WHERE warning_id = 1 AND state = 'waiting' ORDER BY chat_id LIMIT 300",
    )
    .await?;
    let now = chrono::Utc::now().timestamp_millis();
    // The presses' updates, stored as the poller stores them (untimed).
    let updates: Vec<lookout::store::NewUpdate> = (0..chats.len() as i64)
        .map(|k| lookout::store::NewUpdate {
            update_id: -1 - k,
            chat_key: 0,
            payload: "{}".into(),
        })
        .collect();
    store.add_updates(&updates, now).await?;
    let t = Instant::now();
    for (k, (chat, person)) in chats.iter().enumerate() {
        store.sender(*chat, *chat).await?;
        let mut tx = store.begin().await?;
        tx.warning(1).await?;
        tx.warning_recipient(1, *chat).await?;
        tx.confirm_warning(1, *chat, Some(*person), "巡查员", now)
            .await?;
        tx.tree_version().await?;
        tx.enqueue(
            &lookout::store::Outgoing {
                idem_key: format!("w1.{chat}.ok"),
                chat_id: *chat,
                method: "editMessageText".into(),
                payload: json!({ "text": "已确认" }),
                edit_of: Some(format!("w1.{chat}")),
                ephemeral: false,
                urgent: false,
            },
            now,
        )
        .await?;
        tx.add_timer(&lookout::store::NewTimer {
            key: format!("warning:1:tally:{}", now / 3000 + 1),
            group: "warning:1".into(),
            kind: "warning.tally".into(),
            payload: json!({ "id": 1 }),
            due_at: (now / 3000 + 1) * 3000,
        })
        .await?;
        tx.enqueue(
            &lookout::store::Outgoing {
                idem_key: format!("u{}.0", -1 - k as i64),
                chat_id: 0,
                method: "answerCallbackQuery".into(),
                payload: json!({ "callback_query_id": "1", "text": "已确认" }),
                edit_of: None,
                ephemeral: false,
                urgent: false,
            },
            now,
        )
        .await?;
        tx.finish_update(-1 - k as i64).await?;
        tx.commit().await?;
    }
    Ok(ms(t) / chats.len().max(1) as f64)
}

/// The scan lines of an EXPLAIN ANALYZE, costs left out: what was scanned, estimated rows,
/// actual rows and loops.
fn plan_summary(lines: &[String]) -> String {
    let mut out = Vec::new();
    for l in lines {
        let l = l.trim().trim_start_matches("->").trim();
        if !l.contains("Scan") {
            continue;
        }
        let node = l.split("  (").next().unwrap_or(l);
        let est = l
            .split("rows=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("?");
        let actual = l
            .split("rows=")
            .nth(2)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("?");
        let loops = l
            .split("loops=")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or("?");
        let times = if loops == "1" {
            String::new()
        } else {
            format!(", {loops} times")
        };
        out.push(format!(
            "{node} (estimated {est} rows, actual {actual}{times})"
        ));
    }
    if let Some(t) = lines.iter().find(|l| l.starts_with("Execution Time")) {
        out.push(t.trim().to_lowercase());
    }
    out.join("; ")
}

/// Messages/s through the sender's database work alone: one claim per 60, each result
/// recorded by `message_sent` with 32 on their way at once.
async fn pipeline(store: &Store, ids: &[i64]) -> anyhow::Result<f64> {
    let now = chrono::Utc::now().timestamp_millis();
    let sem = Arc::new(tokio::sync::Semaphore::new(32));
    let mut set = tokio::task::JoinSet::new();
    let t = Instant::now();
    for chunk in ids.chunks(60) {
        store
            .claim_messages(chunk, now, now + 30_000, lookout::delivery::MAX_CLAIMS)
            .await?;
        for id in chunk {
            let permit = sem.clone().acquire_owned().await?;
            let store = store.clone();
            let id = *id;
            set.spawn(async move {
                let _ = store.message_sent(id, Some(1), now).await;
                drop(permit);
            });
        }
    }
    while set.join_next().await.is_some() {}
    Ok(ids.len() as f64 / t.elapsed().as_secs_f64())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// (busy, total) ticks of the whole machine, from /proc/stat.
fn cpu_machine() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Cores busy between two `cpu_machine` readings.
fn machine_cores(a: (u64, u64), b: (u64, u64)) -> f64 {
    let busy = b.0.saturating_sub(a.0) as f64;
    let total = b.1.saturating_sub(a.1).max(1) as f64;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    busy / total * cores
}

fn base_config() -> Config {
    let mut c = Config::default();
    // No fire season: no zero-report rounds start during the bench.
    c.fire_season.periods.clear();
    c
}

struct Confirmations {
    backend: Backend,
    phase: &'static str,
    presses: usize,
    /// Presses injected per second (offered).
    injected_rate: f64,
    handled: Phase,
    recorded: i64,
    /// Last press injected → every confirmation recorded / the tally showing all.
    to_recorded_s: f64,
    to_tally_s: Option<f64>,
    tally_text: String,
    tally_edits: u32,
    copies_edited: usize,
    answers: usize,
    /// Cores used from the first press to the last confirmation recorded.
    cpu_self: f64,
    cpu_machine: f64,
    /// The press stored → its callback answer accepted by the simulator: p50, p99, max ms.
    answer_sent: (i64, i64, i64),
}

impl Confirmations {
    fn met(&self) -> bool {
        self.recorded == self.presses as i64
            && self.to_tally_s.is_some()
            && self.handled.no_reply == 0
            && self.handled.failed == 0
    }
}

/// A warning to everyone with no limits anywhere; every copy waiting in the simulator.
async fn issue_unlimited(
    b: &Bench,
    id: i64,
    n: usize,
) -> anyhow::Result<(HashMap<i64, SentMessage>, SentMessage)> {
    let copies = listen(&b.sim, id);
    issue(b, id, &copies).await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    let data = format!("wok:{id}");
    loop {
        let sent = b
            .count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND idem_key LIKE 'w{id}.%' \
                 AND idem_key NOT LIKE 'w{id}.tally%'"
            ))
            .await?;
        if sent as usize >= n {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "W-{id}: {sent} of {n} copies in 300 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The tally looks again every 3 s while copies are on their way: let it settle.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut by_chat = HashMap::new();
    let mut tally = None;
    for m in b.sim.all_sent() {
        if m.button_data().contains(&data) {
            by_chat.insert(m.chat_id, m);
        } else if m.chat_id == b.issuer().id() && m.text().contains(&format!("W-{id}")) {
            tally = Some(m);
        }
    }
    anyhow::ensure!(by_chat.len() == n, "W-{id}: {} copies seen", by_chat.len());
    let tally = tally.ok_or_else(|| anyhow::anyhow!("no tally message for W-{id}"))?;
    Ok((by_chat, tally))
}

/// Every recipient presses Received on its copy of warning `id`, spread over `secs`
/// (0: all at once).
async fn confirm_all(
    b: &Bench,
    id: i64,
    n: usize,
    secs: f64,
    phase: &'static str,
) -> anyhow::Result<Confirmations> {
    let (copies, tally) = issue_unlimited(b, id, n).await?;
    let edits_before = tally.edits;
    let answers_before = b.sim.callback_answers().len();
    let after = b
        .count("SELECT COALESCE(MAX(update_id), 0) FROM inbox")
        .await?;
    let data = format!("wok:{id}");
    let presses: Vec<(&SimUser, &SentMessage)> = b.users[1..]
        .iter()
        .filter_map(|u| copies.get(&u.id()).map(|c| (u, c)))
        .collect();
    anyhow::ensure!(presses.len() == n, "{} presses for {n}", presses.len());
    let cpu_before = (cpu_secs(), cpu_machine());
    let started = Instant::now();
    for (i, (user, copy)) in presses.iter().enumerate() {
        if secs > 0.0 {
            let due = started + Duration::from_secs_f64(secs * i as f64 / n as f64);
            if due > Instant::now() {
                tokio::time::sleep_until(due.into()).await;
            }
        }
        user.press(copy, &data);
    }
    let last_press = Instant::now();
    let injected = last_press.duration_since(started).as_secs_f64();
    let injected_rate = n as f64 / injected.max(1e-9);
    let confirmed_sql = format!(
        "SELECT COUNT(*) FROM warning_recipients WHERE warning_id = {id} AND state = 'confirmed'"
    );
    let deadline = last_press + Duration::from_secs(600);
    let recorded = loop {
        let got = b.count(&confirmed_sql).await?;
        if got as usize >= n || Instant::now() >= deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let to_recorded_s = last_press.elapsed().as_secs_f64();
    let busy = started.elapsed().as_secs_f64().max(1e-9);
    let cpu_self_used = (cpu_secs() - cpu_before.0) / busy;
    let cpu_machine_used = machine_cores(cpu_before.1, cpu_machine());
    let all = format!("{n}/{n}");
    let shown = b
        .sim
        .wait_for(b.issuer().id(), Duration::from_secs(60), |m| {
            m.message_id == tally.message_id && m.text().contains(&all)
        })
        .await;
    let to_tally_s = shown.is_ok().then(|| last_press.elapsed().as_secs_f64());
    // Every press answered, every copy edited to show its confirmation: wait for the outbox
    // (under Telegram's limits the edits go at 29/s).
    let deadline = Instant::now() + Duration::from_secs((n as u64 / 20).max(300));
    while b
        .count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        .await?
        > 0
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let handled = measure(&b.store, after, n).await?;
    let mut answered: Vec<i64> = pairs(
        &b.store,
        &format!(
            "SELECT i.update_id, o.sent_at - i.received_at FROM inbox i \
             JOIN outbox o ON o.idem_key = 'u' || i.update_id || '.0' \
             WHERE i.update_id > {after} AND o.state = 'sent'"
        ),
    )
    .await?
    .into_iter()
    .map(|(_, l)| l)
    .collect();
    answered.sort_unstable();
    let answer_sent = (
        common::percentile(&answered, 0.5),
        common::percentile(&answered, 0.99),
        answered.last().copied().unwrap_or(0),
    );
    let mut tally_now = tally.clone();
    let mut copies_edited = 0;
    for m in b.sim.all_sent() {
        if m.chat_id == tally.chat_id && m.message_id == tally.message_id {
            tally_now = m;
        } else if copies
            .get(&m.chat_id)
            .is_some_and(|c| c.message_id == m.message_id)
            && m.buttons.is_empty()
        {
            copies_edited += 1;
        }
    }
    let c = Confirmations {
        backend: b.backend,
        phase,
        presses: n,
        injected_rate,
        handled,
        recorded,
        to_recorded_s,
        to_tally_s,
        tally_text: tally_now.text().replace('\n', " "),
        tally_edits: tally_now.edits - edits_before,
        copies_edited,
        answers: b.sim.callback_answers().len() - answers_before,
        cpu_self: cpu_self_used,
        cpu_machine: cpu_machine_used,
        answer_sent,
    };
    println!(
        "{} confirmations ({phase}): {n} presses injected at {:.0}/s; handled {:.0}/s, p50 {} ms, \
         p99 {} ms, max {} ms, unanswered {}, failed {}; recorded {recorded}/{n} {:.2} s after the \
         last press; tally {} after it in {} edits: \"{}\"; copies edited {copies_edited}; \
         callback answers {} (sent p50 {} ms, p99 {} ms, max {} ms after the press was stored); \
         cores used {:.2} by the bench process, {:.2} by the machine",
        b.backend.name(),
        injected_rate,
        c.handled.rate,
        c.handled.p50,
        c.handled.p99,
        c.handled.max,
        c.handled.no_reply,
        c.handled.failed,
        to_recorded_s,
        to_tally_s.map_or("never complete".into(), |s| format!("{s:.2} s")),
        c.tally_edits,
        c.tally_text,
        c.answers,
        c.answer_sent.0,
        c.answer_sent.1,
        c.answer_sent.2,
        c.cpu_self,
        c.cpu_machine,
    );
    Ok(c)
}

async fn confirmations(
    backend: Backend,
    n: usize,
    secs: f64,
) -> anyhow::Result<Vec<Confirmations>> {
    let b = Bench::start(backend, "warn_ok", n, base_config(), false).await?;
    let paced = confirm_all(&b, 1, n, secs, "paced").await?;
    let burst = confirm_all(&b, 2, n, 0.0, "all at once").await?;
    b.stop().await?;
    Ok(vec![paced, burst])
}

/// Not in the default run (`WARNINGS_SCENARIOS=limited`): the paced presses with Telegram's
/// limits on in the simulator and the sender (copies by paid broadcast), to see when the
/// callback answers go out while the copies' edits wait for the free rate.
async fn confirmations_limited(
    backend: Backend,
    n: usize,
    secs: f64,
) -> anyhow::Result<Confirmations> {
    let mut config = base_config();
    config.warning.paid_broadcast = true;
    let b = Bench::start(backend, "warn_ok_lim", n, config, true).await?;
    let paced = confirm_all(&b, 1, n, secs, "paced, Telegram's limits").await?;
    b.stop().await?;
    Ok(paced)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = env_num("WARNINGS_RECIPIENTS", FULL);
    let window: f64 = env_num("WARNINGS_FREE_SECS", 30.0);
    let press_secs: f64 = env_num("WARNINGS_PRESS_SECS", 60.0);
    let backends = std::env::var("WARNINGS_BACKENDS").unwrap_or("sqlite,postgres".into());
    let scenarios = std::env::var("WARNINGS_SCENARIOS").unwrap_or("free,paid,ok".into());
    let full = n == FULL
        && backends == "sqlite,postgres"
        && scenarios == "free,paid,ok"
        && window == 30.0
        && press_secs == 60.0;
    let mut sends = Vec::new();
    let mut oks = Vec::new();
    for name in backends.split(',') {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("WARNINGS_BACKENDS: unknown backend {other}"),
        };
        if scenarios.contains("free") {
            sends.push(delivery(backend, n, false, window).await?);
        }
        if scenarios.contains("paid") {
            sends.push(delivery(backend, n, true, window).await?);
        }
        if scenarios.split(',').any(|x| x.trim() == "ok") {
            oks.extend(confirmations(backend, n, press_secs).await?);
        }
        if scenarios.contains("limited") {
            oks.push(confirmations_limited(backend, n, press_secs).await?);
        }
    }
    let md = section(n, window, press_secs, &sends, &oks);
    println!("\n{md}");
    if full {
        let path = common::write_section("warnings", &md)?;
        println!("wrote {}", path.display());
    } else {
        println!("(a scaled-down run: no results section written)");
    }
    Ok(())
}

fn section(
    n: usize,
    window: f64,
    press_secs: f64,
    sends: &[Delivery],
    oks: &[Confirmations],
) -> String {
    let mut md = String::new();
    let _ = write!(
        md,
        "## Warnings\n\n\
         `cargo bench --bench warnings`: one town and its villages, {n} people holding a role \
         there and the town's supervisor, who sends `/warn t0 red TEXT` from the simulated \
         Telegram to the real bot (real clock, default config, no fire season). First copy = \
         the command sent → the first copy accepted by the simulator; in brackets where that \
         went: the command stored by the poller / the handler starting (`warnings.issued_at`) / \
         the first copy accepted (the issuing transaction: audience, {n} recipients and copies \
         written, commit; then the sender's first pass). Free limits \
         (`warning.paid_broadcast = false`, Telegram's limits in the simulator and the sender): \
         the rate over the first {window:.0} s of copies only (all {n} take {:.1} minutes at \
         29/s), against 30/s. Paid broadcast (`warning.paid_broadcast = true`): every copy, \
         against 1,000/s. Rate = copies ÷ time from the first to the last accepted one. Cores: \
         CPU used while the copies went out, by the bench process (bot and simulator) / by the \
         whole machine (PostgreSQL's server included), of 2.\n\n\
         | backend | limit | first copy | (stored / handler / first copy, ms) | copies | time | rate | share of limit | 429 answers | cores |\n\
         |---|---|---:|---|---:|---:|---:|---:|---:|---|\n",
        n as f64 / 29.0 / 60.0
    );
    for d in sends {
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} s | {} / {} / {} | {}{} | {:.2} s | {:.1}/s | {:.1} % | {} | {:.2} / {:.2} |",
            d.backend.name(),
            if d.paid { "paid 1,000/s" } else { "free 30/s" },
            d.first.total_s,
            d.first.to_stored,
            d.first.to_handler,
            d.first.to_first,
            d.copies,
            if d.paid && !d.complete {
                format!(" of {}", d.recipients)
            } else {
                String::new()
            },
            d.span_s,
            d.rate,
            d.share(),
            d.throttled,
            d.cpu_self,
            d.cpu_machine,
        );
    }
    for d in sends.iter().filter(|d| d.lagged > 0) {
        let _ = writeln!(
            md,
            "\n({} {}: the bench's listener fell {} events behind; its copy times miss those.)",
            d.backend.name(),
            if d.paid { "paid" } else { "free" },
            d.lagged
        );
    }
    let _ = write!(
        md,
        "\nConfirmations: a fresh warning to the {n} with no limits in the simulator or the \
         sender (only the inbound cost shows), then every recipient presses Received \
         (`wok:ID`) on its copy: evenly over {press_secs:.0} s, then, for a second warning, all \
         at once. Handled/s and latency as in the inbound bench: the press stored by the \
         poller → its callback answer queued, in the handler's transaction, which also records \
         the confirmation, queues the edit of the copy and asks for the tally. Recorded = \
         `warning_recipients` confirmed; all recorded and tally (the issuer's tally message \
         showing {n}/{n}) are times after the last press; tally edits = edits of that message \
         during the phase (coalesced: at most one per 3 s); copies edited = copies showing \
         their confirmation at the end; answer sent = the press stored → its callback answer \
         accepted by the simulator (the spinner stops); cores from the first press to the last \
         confirmation.\n\n\
         | backend | presses | offered | handled/s | p50 ms | p99 ms | max ms | recorded | all recorded | tally shows all | tally edits | copies edited | callback answers | answer sent p50 / p99 ms | cores |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    );
    for c in oks {
        let _ = writeln!(
            md,
            "| {} | {} {} | {:.0}/s | {:.0} | {} | {} | {} | {} | {:.2} s | {} | {} | {} | {} | {} / {} | {:.2} / {:.2} |",
            c.backend.name(),
            c.presses,
            c.phase,
            c.injected_rate,
            c.handled.rate,
            c.handled.p50,
            c.handled.p99,
            c.handled.max,
            c.recorded,
            c.to_recorded_s,
            c.to_tally_s
                .map_or("never".into(), |s| format!("{s:.2} s")),
            c.tally_edits,
            c.copies_edited,
            c.answers,
            c.answer_sent.0,
            c.answer_sent.1,
            c.cpu_self,
            c.cpu_machine,
        );
    }
    if let Some(c) = oks.first() {
        let _ = writeln!(md, "\nThe tally at the end: “{}”", c.tally_text);
    }
    where_the_time_goes(&mut md, sends);
    let first_worst = sends.iter().map(|d| d.first.total_s).fold(0.0, f64::max);
    let free_worst = sends
        .iter()
        .filter(|d| !d.paid)
        .map(Delivery::share)
        .fold(f64::INFINITY, f64::min);
    let paid_worst = sends
        .iter()
        .filter(|d| d.paid)
        .map(Delivery::rate_of)
        .fold(f64::INFINITY, f64::min);
    let throttled: u64 = sends.iter().map(|d| d.throttled).sum();
    let met = sends.iter().all(Delivery::met) && oks.iter().all(Confirmations::met);
    let _ = writeln!(
        md,
        "\nTarget: the first copy within 1 s of issuing, ≥ 95 % of Telegram's limits (free or \
         paid broadcast) with zero 429 answers, every confirmation recorded and tallied: **{}** \
         (first copy at worst {first_worst:.2} s; free at worst {free_worst:.1} % of 30/s; paid \
         at worst {paid_worst:.0}/s = {:.1} % of 1,000/s; {throttled} 429 answers; confirmations \
         {}).",
        if met { "met" } else { "missed" },
        paid_worst / PAID_LIMIT * 100.0,
        if oks.iter().all(Confirmations::met) {
            "all recorded and tallied"
        } else {
            "NOT all recorded and tallied"
        }
    );
    md
}

/// The costs measured alone after each free run, the 429s explained, the plan.
fn where_the_time_goes(md: &mut String, sends: &[Delivery]) {
    let floors: Vec<(&Delivery, &Floor)> = sends
        .iter()
        .filter_map(|d| d.floor.as_ref().map(|f| (d, f)))
        .collect();
    if floors.is_empty() {
        return;
    }
    let names: Vec<&str> = floors.iter().map(|(d, _)| d.backend.name()).collect();
    let pending: Vec<String> = floors.iter().map(|(_, f)| f.pending.to_string()).collect();
    let _ = write!(
        md,
        "\nWhere the time goes. Measured alone after each free run, with the bot stopped and the \
         rest of that fan-out still waiting ({} copies pending); means.\n\n\
         | | {} |\n|---|{}\n",
        pending.join(" / "),
        names.join(" | "),
        "---:|".repeat(floors.len())
    );
    let row = |md: &mut String, label: &str, f: &dyn Fn(&Floor) -> String| {
        let cells: Vec<String> = floors.iter().map(|(_, fl)| f(fl)).collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    };
    row(
        md,
        "the sender's pass: `due_messages(now, 60)` / `next_due`",
        &|f| format!("{:.2} / {:.2} ms", f.due, f.next_due),
    );
    row(
        md,
        "`claim_messages`, one statement per pass of 60, per copy",
        &|f| format!("{:.3} ms", f.claim),
    );
    row(md, "`message_sent`, one per copy after its answer", &|f| {
        format!("{:.3} ms", f.sent)
    });
    row(
        md,
        "the sender's database work alone (one claim per 60; results 32 at a time)",
        &|f| format!("{:.0}/s", f.pipeline),
    );
    row(
        md,
        "the tally timer's transaction, every 3 s while copies wait (`mark_unreachable_recipients` / `warning_tally` / `warning_copies_unsent`)",
        &|f| {
            format!(
                "{:.1} ms, worst {:.1} ({:.1} / {:.1} / {:.1})",
                f.tally, f.tally_max, f.tally_parts[0], f.tally_parts[1], f.tally_parts[2]
            )
        },
    );
    row(
        md,
        "one sendMessage to the simulator without limits: alone / throughput 32 at a time",
        &|f| format!("{:.2} ms / {:.0}/s", f.http, f.http_rate),
    );
    row(
        md,
        "the pass's pacing loop alone (the real `Pacer`, paid copies; no database, no HTTP)",
        &|f| format!("{:.0}/s", f.pacer_rate),
    );
    row(
        md,
        "`tokio::time::sleep` of one paid slot (1.04 ms) takes",
        &|f| format!("{:.2} ms", f.sleep_ms),
    );
    row(
        md,
        "one Received press's database work (sender loaded + its transaction)",
        &|f| format!("{:.2} ms", f.confirm),
    );
    for (d, f) in &floors {
        if let Some(plan) = &f.plan {
            let _ = writeln!(
                md,
                "\n{}'s plan for `due_messages` (EXPLAIN ANALYZE): {plan}.",
                d.backend.name()
            );
        }
    }
    for d in sends.iter().filter(|d| !d.throttle_notes.is_empty()) {
        let _ = writeln!(
            md,
            "\nThe 429 answers, {} {} (times from the first copy):\n",
            d.backend.name(),
            if d.paid { "paid" } else { "free" }
        );
        for note in &d.throttle_notes {
            let _ = writeln!(md, "- {note}");
        }
    }
}

impl Delivery {
    fn rate_of(&self) -> f64 {
        self.rate
    }
}
