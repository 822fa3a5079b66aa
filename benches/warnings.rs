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
//! `WARNINGS_RECIPIENTS=N` scales the district down for a quick run, and
//! `WARNINGS_SQLITE_ONLY=1` skips PostgreSQL; either writes no results section.
mod common;

use common::load::{measure, Phase};
use common::{count, Org, PersonSpec, PgSchema, UnitSpec, FIRST_USER};
use lookout::app::{self, Running, Settings};
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::sim::{SentMessage, SimConfig, SimEvent, SimUser, Simulator};
use lookout::store::Store;
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

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

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
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgSchema>,
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
        let (db, dir, schema) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let db = format!("sqlite://{}", dir.path().join("bench.db").display());
                (db, Some(dir), None)
            }
            Backend::Postgres => {
                let schema = PgSchema::create(tag).await?;
                (schema.url.clone(), None, Some(schema))
            }
        };
        let store = app::open_store(&db).await?;
        let org = town(n);
        org.load(&store).await?;
        let users = org.in_simulator(&sim);
        let mut s = Settings::new(&sim.token(), &sim.api_url(), &db, config);
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
            _dir: dir,
            schema,
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
        if let Some(s) = self.schema.take() {
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
    let b = Bench::start(backend, tag, n, config, true).await?;
    let copies = listen(&b.sim, 1);
    let (first, fc) = issue(&b, 1, &copies).await?;
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
    };
    println!(
        "{} {}: first copy {:.3} s after the command (stored +{} ms, handler +{} ms, first copy +{} ms); \
         {} copies in {:.2} s = {:.1}/s = {:.1}% of {}/s; 429: {}; paid sends {}; lagged events {}{}",
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
        if complete { "" } else { " (NOT all copies delivered in time)" }
    );
    b.stop().await?;
    Ok(d)
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
    let all = format!("{n}/{n}");
    let shown = b
        .sim
        .wait_for(b.issuer().id(), Duration::from_secs(60), |m| {
            m.message_id == tally.message_id && m.text().contains(&all)
        })
        .await;
    let to_tally_s = shown.is_ok().then(|| last_press.elapsed().as_secs_f64());
    // Every press answered, every copy edited to show its confirmation: wait for the outbox.
    let deadline = Instant::now() + Duration::from_secs(300);
    while b
        .count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        .await?
        > 0
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let handled = measure(&b.store, after, n).await?;
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
    };
    println!(
        "{} confirmations ({phase}): {n} presses injected at {:.0}/s; handled {:.0}/s, p50 {} ms, \
         p99 {} ms, max {} ms, unanswered {}, failed {}; recorded {recorded}/{n} {:.2} s after the \
         last press; tally {} after it in {} edits: \"{}\"; copies edited {copies_edited}; \
         callback answers {}",
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = env_num("WARNINGS_RECIPIENTS", FULL);
    let window: f64 = env_num("WARNINGS_FREE_SECS", 30.0);
    let press_secs: f64 = env_num("WARNINGS_PRESS_SECS", 60.0);
    let sqlite_only = std::env::var("WARNINGS_SQLITE_ONLY").is_ok_and(|v| v == "1");
    let backends: &[Backend] = if sqlite_only {
        &[Backend::Sqlite]
    } else {
        &[Backend::Sqlite, Backend::Postgres]
    };
    let mut sends = Vec::new();
    let mut oks = Vec::new();
    for &backend in backends {
        sends.push(delivery(backend, n, false, window).await?);
        sends.push(delivery(backend, n, true, window).await?);
        oks.extend(confirmations(backend, n, press_secs).await?);
    }
    let md = section(n, window, press_secs, &sends, &oks);
    println!("\n{md}");
    if n == FULL && !sqlite_only {
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
         Telegram to the real bot. First copy = the command sent → the first copy accepted by \
         the simulator (the command stored by the poller / the handler starting / the first \
         copy accepted). Free limits (`warning.paid_broadcast = false`, Telegram's limits in \
         the simulator and the sender): the rate over the first {window:.0} s of copies (all \
         {n} take about six minutes at 29/s), against 30/s. Paid broadcast \
         (`warning.paid_broadcast = true`): every copy, against 1,000/s. Rate = copies ÷ time \
         from the first to the last accepted one.\n\n\
         | backend | limit | first copy | (stored / handler / first copy, ms) | copies | time | rate | share of limit | 429 answers |\n\
         |---|---|---:|---|---:|---:|---:|---:|---:|\n"
    );
    for d in sends {
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} s | {} / {} / {} | {}{} | {:.2} s | {:.1}/s | {:.1} % | {} |",
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
        );
    }
    let _ = write!(
        md,
        "\nConfirmations: a fresh warning to the {n} with no limits in the simulator or the \
         sender (only the inbound cost shows), then every recipient presses Received \
         (`wok:ID`) on its copy, evenly over {press_secs:.0} s, then for a second warning all \
         at once. Handled/s and latency as in the inbound bench: the press stored by the \
         poller → its callback answer queued (in the handler's transaction, which also records \
         the confirmation and queues the copy's edit). Recorded = `warning_recipients` \
         confirmed; tally = the issuer's tally message showing {n}/{n}, times from the last \
         press.\n\n\
         | backend | presses | offered | handled/s | p50 ms | p99 ms | max ms | recorded | all recorded | tally shows all | tally edits | copies edited |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for c in oks {
        let _ = writeln!(
            md,
            "| {} | {} {} | {:.0}/s | {:.0} | {} | {} | {} | {} | {:.2} s | {} | {} | {} |",
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
            c.to_tally_s.map_or("never".into(), |s| format!("{s:.2} s")),
            c.tally_edits,
            c.copies_edited,
        );
    }
    if let Some(c) = oks.first() {
        let _ = writeln!(md, "\nThe tally at the end: “{}”", c.tally_text);
    }
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
         paid broadcast) with zero 429 answers, every confirmation recorded: **{}** (first copy \
         at worst {first_worst:.2} s; free at worst {free_worst:.1} % of 30/s; paid at worst \
         {paid_worst:.0}/s; {throttled} 429 answers).",
        if met { "met" } else { "missed" }
    );
    md
}

impl Delivery {
    fn rate_of(&self) -> f64 {
        self.rate
    }
}
