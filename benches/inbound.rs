//! Inbound throughput and latency, on SQLite and PostgreSQL: about 2,000 members of a
//! 421-unit district write to the bot (help, board, open hazards, a hazard report started,
//! added to and cancelled, chatter, a language switch). `cargo bench --bench inbound`;
//! PostgreSQL from `LOOKOUT_BENCH_PG` (default postgres://postgres@127.0.0.1:5432/test).
//!
//! Two phases per backend, both through the real bot (`app::start`) and the simulator:
//! - backlog: 20,000 updates wait in the simulator before the bot starts; throughput is
//!   updates handled per second from the first update stored to the last reply queued;
//! - paced: updates arrive at the target's 2,000/s for 10 s (and, when the backlog rate is
//!   below that, at half the backlog rate); latency is each update's `inbox.received_at`
//!   (stored by the poller) to its first reply's `outbox.created_at` (stamped in the
//!   handler's transaction just before that transaction commits).
//!
//! Then where the time goes: the time per kind of message during the backlog, CPU used, and
//! the fixed costs measured alone. A zero-report round is open throughout, so `/today`
//! renders a real board. `LOOKOUT_BENCH_SQLITE_ONLY=1` runs SQLite only and writes nothing
//! (for profiling).
mod common;

use common::load::{district, measure, send_nth, Phase};
use common::{count, cpu_secs, pairs, PgSchema};
use lookout::app::{self, Running, Settings};
use lookout::config::{Config, CronSchedule, SeasonRange};
use lookout::sim::{SimConfig, SimUser, Simulator};
use lookout::store::{NewUpdate, Store};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TOWNS: usize = 20;
const VILLAGES: usize = 20;
const BACKLOG_PER_PERSON: usize = 10;
const TARGET_RATE: f64 = 2_000.0;
const TARGET_P99_MS: i64 = 50;
const PACED_SECS: f64 = 10.0;

/// The steps of `send`, for the service-time breakdown.
const KINDS: [&str; 10] = [
    "/help",
    "/today",
    "/status",
    "/report TEXT",
    "text into the draft",
    "location into the draft",
    "/cancel",
    "chat (not understood)",
    "/lang zh",
    "/today",
];

/// Which step of the script the n-th message after the start was.
fn kind_of(n: usize, users: usize) -> usize {
    (n / users + n % users) % 10
}

/// Fire season all year and a reminder round opening two seconds from now.
fn config() -> anyhow::Result<Config> {
    let mut config = Config::default();
    let at = chrono::Utc::now().with_timezone(&config.timezone) + chrono::Duration::seconds(2);
    let cron = CronSchedule::once_text(&at);
    config.fire_season.periods =
        vec![SeasonRange::parse("01-01..12-31").map_err(anyhow::Error::msg)?];
    config.zero_report.remind = CronSchedule::parse(&cron).map_err(anyhow::Error::msg)?;
    Ok(config)
}

async fn start(sim: &Simulator, db: &str, config: &Config) -> anyhow::Result<Running> {
    let mut s = Settings::new(&sim.token(), &sim.api_url(), db, config.clone());
    s.poll_timeout_secs = 1;
    s.tip_key = Some([7; 32]);
    app::start(s).await
}

async fn wait_until(
    store: &Store,
    sql: &str,
    pred: impl Fn(i64) -> bool,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let n = count(store, sql).await?;
        if pred(n) {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{sql}: still {n} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Where the time goes, per kind of message: in a backlog the processor is never idle, so
/// the gap between consecutive replies' `created_at` is the time to take the next update
/// (the previous commit, loading the sender, the handler). Mean ms per kind (the ten steps
/// of the script, `/today` twice), from the backlog phase.
async fn service_times(store: &Store, after: i64, users: usize) -> anyhow::Result<Vec<f64>> {
    let rows = pairs(
        store,
        &format!(
            "SELECT i.update_id, o.created_at FROM inbox i \
             JOIN outbox o ON o.idem_key = 'u' || i.update_id || '.0' \
             WHERE i.update_id > {after} ORDER BY i.update_id"
        ),
    )
    .await?;
    let mut sum = [0i64; 10];
    let mut n = [0i64; 10];
    for w in rows.windows(2) {
        let kind = kind_of((w[1].0 - after - 1) as usize, users);
        sum[kind] += w[1].1 - w[0].1;
        n[kind] += 1;
    }
    Ok((0..10)
        .map(|k| sum[k] as f64 / n[k].max(1) as f64)
        .collect())
}

/// The fixed part of every update, measured alone: loading its sender (person, roles,
/// conversation: what `Incoming::load` reads) and an otherwise empty handled-update
/// transaction. Mean µs over 500 each.
async fn floor(store: &Store, users: &[SimUser]) -> anyhow::Result<Floor> {
    let started = Instant::now();
    for u in users.iter().take(500) {
        store.sender(u.id(), u.id()).await?;
    }
    let load = started.elapsed().as_micros() as f64 / 500.0;
    // Updates that need no handler: stored first (untimed), then each marked handled.
    let stray: Vec<NewUpdate> = (1..=500)
        .map(|k| NewUpdate {
            update_id: -k,
            chat_key: 0,
            payload: "{}".into(),
        })
        .collect();
    store.add_updates(&stray, 0).await?;
    let started = Instant::now();
    for u in &stray {
        let mut tx = store.begin().await?;
        tx.finish_update(u.update_id).await?;
        tx.commit().await?;
    }
    let commit = started.elapsed().as_micros() as f64 / 500.0;
    // The sender runs a pass after every handler's commit: with the replies that Telegram's
    // limits keep waiting, how long does its query take?
    let pending = count(store, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'").await?;
    let now = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    for _ in 0..20 {
        store.due_messages(now, 60).await?;
        store.next_due().await?;
    }
    let pass = started.elapsed().as_micros() as f64 / 20.0;
    Ok(Floor {
        load,
        commit,
        pending,
        pass,
    })
}

/// Costs measured alone, µs.
struct Floor {
    /// Loading a sender.
    load: f64,
    /// An empty transaction marking an update handled.
    commit: f64,
    /// Pending outbox rows when `pass` was measured.
    pending: i64,
    /// The sender's two queries of a pass.
    pass: f64,
}

async fn max_update(store: &Store) -> anyhow::Result<i64> {
    count(store, "SELECT COALESCE(MAX(update_id), 0) FROM inbox").await
}

/// Offer `rate` updates/s for `secs`, continuing each person's script; wait until handled.
async fn paced(
    sim: &Simulator,
    store: &Store,
    users: &[SimUser],
    next: &mut usize,
    rate: f64,
    secs: f64,
) -> anyhow::Result<Phase> {
    let after = max_update(store).await?;
    let total = (rate * secs) as usize;
    let tick = Duration::from_millis(10);
    let per_tick = rate * tick.as_secs_f64();
    let mut interval = tokio::time::interval(tick);
    let started = Instant::now();
    let mut sent = 0usize;
    while sent < total {
        interval.tick().await;
        // Catch up to the schedule, so a slow tick does not lower the offered rate.
        let due =
            ((started.elapsed().as_secs_f64() / tick.as_secs_f64() + 1.0) * per_tick) as usize;
        while sent < due.min(total) {
            send_nth(users, *next);
            *next += 1;
            sent += 1;
        }
    }
    drained(sim, store, after, total).await?;
    measure(store, after, total).await
}

/// Wait until the `total` updates after `after` are all stored and none is pending.
async fn drained(sim: &Simulator, store: &Store, after: i64, total: usize) -> anyhow::Result<()> {
    let limit = Duration::from_secs(900);
    let stored = format!("SELECT COUNT(*) FROM inbox WHERE update_id > {after}");
    wait_until(store, &stored, |n| n == total as i64, limit).await?;
    wait_until(
        store,
        "SELECT COUNT(*) FROM inbox WHERE state = 'pending'",
        |n| n == 0,
        limit,
    )
    .await?;
    anyhow::ensure!(
        sim.pending_updates() == 0,
        "the simulator still holds updates"
    );
    Ok(())
}

fn row(backend: &str, phase: &str, offered: &str, p: &Phase) -> String {
    format!(
        "| {backend} | {phase} | {} | {offered} | {:.0} | {} | {} | {} | {} |\n",
        p.updates,
        p.rate,
        p.p50,
        p.p99,
        p.max,
        p.no_reply + p.failed
    )
}

/// One backend: backlog, then paced at the target rate, then (when the target rate is
/// beyond the bot) paced at half the measured throughput, to show latency without a queue.
struct Results {
    backlog: Phase,
    paced: Phase,
    /// Mean ms per kind of message (see `service_times`).
    service: Vec<f64>,
    floor: Floor,
    /// CPU used by this process during the backlog, in cores.
    cores: f64,
}

async fn bench(db: &str, backend: &str, out: &mut String) -> anyhow::Result<Results> {
    let sim = Simulator::start(SimConfig::default()).await?;
    let store = app::open_store(db).await?;
    let org = district(TOWNS, VILLAGES);
    org.load(&store).await?;
    let users = org.in_simulator(&sim);
    println!(
        "{backend}: {} units, {} people",
        org.units.len(),
        users.len()
    );

    // Open today's round, then stop the bot so the backlog is waiting when it starts again.
    let config = config()?;
    let running = start(&sim, db, &config).await?;
    wait_until(
        &store,
        "SELECT COUNT(*) FROM zero_rounds",
        |n| n > 0,
        Duration::from_secs(30),
    )
    .await?;
    running.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut next = 0usize;
    let after = max_update(&store).await?;
    let backlog = users.len() * BACKLOG_PER_PERSON;
    for _ in 0..backlog {
        send_nth(&users, next);
        next += 1;
    }
    let (cpu, wall) = (cpu_secs(), Instant::now());
    let running = start(&sim, db, &config).await?;
    drained(&sim, &store, after, backlog).await?;
    let cores = (cpu_secs() - cpu) / wall.elapsed().as_secs_f64();
    let a = measure(&store, after, backlog).await?;
    println!(
        "  backlog of {}: {:.0} updates/s, {cores:.2} cores busy (bot and simulator)",
        a.updates, a.rate
    );
    let service = service_times(&store, after, users.len()).await?;
    for (kind, ms) in KINDS.iter().zip(&service) {
        println!("    {kind}: {ms:.2} ms");
    }
    out.push_str(&row(backend, "backlog", "all at once", &a));

    let b = paced(&sim, &store, &users, &mut next, TARGET_RATE, PACED_SECS).await?;
    println!(
        "  paced at {TARGET_RATE:.0}/s: handled {:.0}/s, latency p50 {} ms, p99 {} ms, max {} ms",
        b.rate, b.p50, b.p99, b.max
    );
    out.push_str(&row(backend, "paced", &format!("{TARGET_RATE:.0}/s"), &b));
    if a.rate < TARGET_RATE {
        let half = (a.rate / 2.0).floor();
        let c = paced(&sim, &store, &users, &mut next, half, PACED_SECS).await?;
        println!(
            "  paced at {half:.0}/s: latency p50 {} ms, p99 {} ms, max {} ms",
            c.p50, c.p99, c.max
        );
        out.push_str(&row(backend, "paced", &format!("{half:.0}/s (half)"), &c));
    }
    for p in [&a, &b] {
        if p.no_reply + p.failed > 0 {
            println!(
                "  WARNING: {} updates without a reply, {} failed",
                p.no_reply, p.failed
            );
        }
    }
    running.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let floor = floor(&store, &users).await?;
    println!(
        "  alone: loading a sender {:.0} µs, an empty handled-update transaction {:.0} µs, \
         the sender's pass queries with {} pending {:.0} µs",
        floor.load, floor.commit, floor.pending, floor.pass
    );
    sim.shutdown();
    store.close().await;
    Ok(Results {
        backlog: a,
        paced: b,
        service,
        floor,
        cores,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut table = String::new();
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("inbound.db").display());
    let lite = bench(&sqlite, "SQLite", &mut table).await?;
    // For profiling one backend: the figures above, and no section written.
    if std::env::var_os("LOOKOUT_BENCH_SQLITE_ONLY").is_some() {
        return Ok(());
    }
    let pg = PgSchema::create("inbound").await?;
    let result = bench(&pg.url, "PostgreSQL", &mut table).await;
    pg.drop_schema().await?;
    let pg = result?;
    let (a, b) = (&lite.backlog, &lite.paced);

    let met = a.rate >= TARGET_RATE && b.p99 < TARGET_P99_MS && b.rate >= TARGET_RATE * 0.95;
    let mut md = String::from("## Inbound updates\n\n");
    md.push_str(&format!(
        "`cargo bench --bench inbound`: the real bot and the simulator in one process \
         (2 worker threads). {} units (district, {TOWNS} towns, {} villages), {} members, \
         each sending in turn `/help`, `/today` (a zero-report round is open), `/status`, \
         `/report TEXT`, a text and a location added to that draft, `/cancel`, a chat \
         message, `/lang zh`, `/today`.\n\n",
        1 + TOWNS + TOWNS * VILLAGES,
        TOWNS * VILLAGES,
        district(TOWNS, VILLAGES).people.len()
    ));
    md.push_str(
        "- **backlog**: all updates wait in the simulator before the bot starts; \
         updates/s = updates ÷ (first `inbox.received_at` → last reply's `outbox.created_at`).\n\
         - **paced**: updates arrive at a steady rate for 10 s. Latency = the update's \
         `inbox.received_at` (the poller stored it) → its first reply's `outbox.created_at` \
         (`u{update_id}.0`, stamped inside the handler's transaction just before it commits), \
         in ms. The time an update waits in Telegram before `getUpdates` and the commit \
         itself are not counted. At the target's 2,000/s, then (when the backlog rate is below \
         the target) at half the backlog rate, to show the latency without a growing queue.\n\n",
    );
    md.push_str("| backend | phase | updates | offered | handled/s | p50 ms | p99 ms | max ms | unanswered |\n");
    md.push_str("|---|---|---:|---|---:|---:|---:|---:|---:|\n");
    md.push_str(&table);
    let _ = write!(
        md,
        "\nTarget (SQLite, 2 cores): ≥ {TARGET_RATE:.0} updates/s and p99 < {TARGET_P99_MS} ms: \
         **{}** ({:.0} updates/s backlog; at {TARGET_RATE:.0}/s offered, p99 {} ms).\n",
        if met { "met" } else { "missed" },
        a.rate,
        b.p99
    );
    md.push_str(
        "\nWhere the time goes (backlog phase): in a backlog the processor is never idle, so \
         the gap between consecutive replies' `created_at` is the time one update takes \
         (the previous commit, loading the sender, the handler). Mean ms per kind, on \
         SQLite:\n\n\
         | message | SQLite |\n|---|---:|\n",
    );
    for (kind, ms) in KINDS.iter().zip(&lite.service) {
        let _ = writeln!(md, "| {kind} | {ms:.2} |");
    }
    let (low, high) = pg.service.iter().fold((f64::MAX, 0.0f64), |(lo, hi), ms| {
        (lo.min(*ms), hi.max(*ms))
    });
    let _ = writeln!(
        md,
        "\nPostgreSQL handles its leased updates one after another in a batch as well: \
         {low:.2}–{high:.2} ms per kind there (each query a round trip to the server)."
    );
    let _ = writeln!(
        md,
        "\nCPU used by the bench process (bot and simulator) during the backlog: {:.2} of 2 \
         cores on SQLite, {:.2} on PostgreSQL (plus the PostgreSQL server's own).",
        lite.cores, pg.cores
    );
    let _ = write!(
        md,
        "\nMeasured alone (mean of 500): loading a sender (person, roles, conversation) \
         {:.0} µs on SQLite, {:.0} µs on PostgreSQL; an empty transaction marking an update \
         handled {:.0} µs / {:.0} µs; the two queries of one outbox sender pass (it runs \
         after every handler's commit) with the replies still held back by Telegram's limits \
         ({} / {} pending) {:.0} µs / {:.0} µs.\n",
        lite.floor.load,
        pg.floor.load,
        lite.floor.commit,
        pg.floor.commit,
        lite.floor.pending,
        pg.floor.pending,
        lite.floor.pass,
        pg.floor.pass
    );
    let path = common::write_section("inbound", &md)?;
    println!("{md}\nwritten to {}", path.display());
    Ok(())
}
