//! Timer lateness and claim cost with 100,000 pending timers, and whether the claim grows
//! with finished timers. `cargo bench --bench timers` (SQLite; PostgreSQL too when
//! `LOOKOUT_BENCH_PG` names a database, e.g. postgres://postgres@127.0.0.1:5432/test).
mod common;

use lookout::clock::Clock;
use lookout::config::Config;
use lookout::context::{Ctx, Wakers};
use lookout::i18n::I18n;
use lookout::schedule;
use lookout::store::{NewTimer, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PENDING: i64 = 100_000;
const FINISHED: i64 = 500_000;
const PROBES: i64 = 200;

async fn exec(store: &Store, sql: &str) -> anyhow::Result<()> {
    match store {
        Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ())?,
        Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ())?,
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    Ok(())
}

async fn scalar(store: &Store, sql: &str) -> anyhow::Result<Vec<i64>> {
    Ok(match store {
        Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    })
}

/// Rows made by the database itself, so setting up a million timers takes seconds.
async fn bulk(store: &Store, prefix: &str, n: i64, due: &str, state: &str) -> anyhow::Result<()> {
    let series = match store {
        Store::Sqlite(_) => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        ),
        Store::Postgres(_) => String::new(),
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    };
    let from = match store {
        Store::Sqlite(_) => "FROM s".to_string(),
        Store::Postgres(_) => format!("FROM generate_series(1, {n}) AS s(i)"),
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    };
    exec(store, &format!(
        "{series}INSERT INTO timers (key, grp, kind, payload, due_at, state) \
         SELECT '{prefix}' || i, '{prefix}' || i, 'esc.wake', '{{\"id\":0}}', {due}, '{state}' {from}"
    ))
    .await?;
    // As autovacuum would after such a load; measuring a stale plan says nothing.
    exec(store, "ANALYZE timers").await
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn claim_cost(ctx: &Ctx, label: &str) -> anyhow::Result<(i64, i64)> {
    let mut samples = Vec::new();
    for k in 0..50 {
        let mut tx = ctx.store.begin().await?;
        let t = NewTimer {
            key: format!("claim.{label}.{k}"),
            group: "claim".into(),
            kind: "esc.wake".into(),
            payload: json!({ "id": 0 }),
            due_at: 0,
        };
        tx.add_timer(&t).await?;
        tx.commit().await?;
        let started = Instant::now();
        schedule::fire_due(ctx).await?;
        samples.push(started.elapsed().as_micros() as i64);
    }
    samples.sort_unstable();
    println!(
        "  claim+run+commit of one due timer, {label}: median {} µs, worst {} µs",
        percentile(&samples, 0.5),
        samples[samples.len() - 1]
    );
    Ok((percentile(&samples, 0.5), samples[samples.len() - 1]))
}

/// One backend; returns its row of the results table and whether it meets the target.
async fn bench(url: &str) -> anyhow::Result<(String, bool)> {
    let store = lookout::app::open_store(url).await?;
    let ctx = Arc::new(Ctx {
        wake: Wakers::default(),
        store: store.clone(),
        i18n: I18n::load()?,
        config: Arc::new(Config::default()),
        clock: Clock::system(),
        bot_username: "bench".into(),
        tip_key: lookout::crypto::TipKey::from_bytes([7; 32]),
        code_guard: Default::default(),
        render: lookout::telegram::render::bot_api,
        units: Default::default(),
        faults: Default::default(),
        features: Arc::new(lookout::app::features()),
    });
    let far = chrono::Utc::now().timestamp_millis() + 30 * 24 * 3600 * 1000;
    bulk(
        &store,
        "pending.",
        PENDING,
        &format!("{far} + i"),
        "pending",
    )
    .await?;
    println!("{} with {PENDING} pending timers:", store.backend());
    let empty = claim_cost(&ctx, "0 finished").await?;
    bulk(&store, "finished.", FINISHED, "i", "done").await?;
    let full = claim_cost(&ctx, &format!("{FINISHED} finished")).await?;

    // Lateness: probes come due over two seconds while the scheduler runs as in production.
    let runner = tokio::spawn(schedule::run(ctx.clone()));
    let start = chrono::Utc::now().timestamp_millis() + 500;
    let mut tx = store.begin().await?;
    for k in 0..PROBES {
        tx.add_timer(&NewTimer {
            key: format!("probe.{k}"),
            group: "probe".into(),
            kind: "esc.wake".into(),
            payload: json!({ "id": 0 }),
            due_at: start + k * 10,
        })
        .await?;
    }
    tx.commit().await?;
    ctx.wake.timers.notify_one();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = scalar(
            &store,
            "SELECT COUNT(*) FROM timers WHERE grp = 'probe' AND state = 'done'",
        )
        .await?;
        if done.first().copied().unwrap_or(0) == PROBES || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    runner.abort();
    let mut late = scalar(
        &store,
        "SELECT fired_at - due_at FROM timers WHERE grp = 'probe' AND state = 'done'",
    )
    .await?;
    late.sort_unstable();
    anyhow::ensure!(
        late.len() as i64 == PROBES,
        "only {} of {PROBES} probes fired",
        late.len()
    );
    println!(
        "  lateness of {PROBES} timers due 10 ms apart: median {} ms, p99 {} ms, worst {} ms",
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        late[late.len() - 1]
    );
    let ms = |us: i64| us as f64 / 1000.0;
    // "Does not grow": the median claim with finished timers within noise of the one without.
    let met = late[late.len() - 1] < 1000 && full.0 <= empty.0 * 3 / 2 + 200;
    let row = format!(
        "| {} | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {} ms | {} ms | {} ms |\n",
        store.backend(),
        ms(empty.0),
        ms(empty.1),
        ms(full.0),
        ms(full.1),
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        late[late.len() - 1]
    );
    Ok((row, met))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut rows, mut met) = bench(&format!(
        "sqlite://{}",
        dir.path().join("timers.db").display()
    ))
    .await?;
    if let Ok(base) = std::env::var("LOOKOUT_BENCH_PG") {
        let schema = format!("bench_{}", std::process::id());
        let admin = Store::connect(&base).await?;
        exec(&admin, &format!("CREATE SCHEMA {schema}")).await?;
        let sep = if base.contains('?') { '&' } else { '?' };
        let result = bench(&format!("{base}{sep}options=-c%20search_path%3D{schema}")).await;
        exec(&admin, &format!("DROP SCHEMA {schema} CASCADE")).await?;
        let (row, ok) = result?;
        rows.push_str(&row);
        met &= ok;
    } else {
        rows.push_str("| postgres | not run (set `LOOKOUT_BENCH_PG`) | | | | |\n");
    }
    let md = format!(
        "## Timers\n\n\
         `cargo bench --bench timers`: {PENDING} pending timers (due in a month) in the table. \
         Claim = claiming, running and committing one due timer (median / worst of 50), first \
         with no finished timers, then with {FINISHED} finished ones. Lateness = `fired_at − \
         due_at` of {PROBES} timers coming due 10 ms apart while the scheduler runs as in \
         production.\n\n\
         | backend | claim, 0 finished | claim, {FINISHED} finished | lateness p50 | p99 | worst |\n\
         |---|---:|---:|---:|---:|---:|\n{rows}\n\
         Target: every timer fires within 1 s of its due time with {PENDING} pending, and the \
         claim does not grow with finished timers (median within 1.5× + 0.2 ms): **{}**.\n",
        if met { "met" } else { "missed" }
    );
    common::write_section("timers", &md)?;
    Ok(())
}
