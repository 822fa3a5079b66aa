//! The database side of one sender pass with 1,000, 10,000 and 50,000 replies held back, on
//! SQLite and PostgreSQL: `cargo bench --bench sender_pass` (issue: the pass must not grow
//! with what waits). A burst leaves replies queued to many chats that Telegram's limits hold
//! back (1/s a chat, 30/s overall); each pass asks for the heads of the queue
//! (`Store::due_messages`, 60), claims them in one statement and gives back what it did not
//! send. The queue here: `SENDER_PASS_CHATS` (default 2,000) chats, the messages dealt to them
//! in turn as replies to a burst arrive; timed over 200 passes after 20 to warm up.
mod common;

use common::{env_num, percentile, write_section, Backend, BenchDb};
use lookout::app;
use lookout::store::{Outgoing, Store};
use serde_json::json;
use std::fmt::Write as _;
use std::time::Instant;

const SIZES: [usize; 3] = [1_000, 10_000, 50_000];
const PASSES: usize = 200;
const WARM: usize = 20;

async fn fill(store: &Store, n: usize, chats: usize) -> anyhow::Result<()> {
    let rows: Vec<Outgoing> = (0..n)
        .map(|i| Outgoing {
            idem_key: format!("b.{i}"),
            chat_id: 1_000 + (i % chats) as i64,
            method: "sendMessage".into(),
            payload: json!({ "text": "Commands: /help" }),
            edit_of: None,
            ephemeral: false,
            urgent: false,
        })
        .collect();
    for chunk in rows.chunks(5_000) {
        let mut tx = store.begin().await?;
        tx.enqueue_all(chunk, 0).await?;
        tx.commit().await?;
    }
    if let Store::Postgres(_) = store {
        // As after a burst: the statistics describe the empty queue of before.
        common::exec(store, "ANALYZE outbox").await?;
    }
    Ok(())
}

/// Microseconds of each pass's database work: the heads, their claim, their release.
async fn passes(store: &Store) -> anyhow::Result<Vec<i64>> {
    let mut took = Vec::with_capacity(PASSES);
    for i in 0..WARM + PASSES {
        let started = Instant::now();
        let due = store.due_messages(1, 60).await?;
        let ids: Vec<i64> = due.iter().map(|m| m.id).collect();
        let claim = store.claim_messages(&ids, 1, 2, 3).await?;
        store.release_claims(&claim.taken).await?;
        anyhow::ensure!(due.len() == 60, "the heads of the queue: {}", due.len());
        if i >= WARM {
            took.push(started.elapsed().as_micros() as i64);
        }
    }
    took.sort_unstable();
    Ok(took)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chats = env_num("SENDER_PASS_CHATS", 2_000usize);
    let mut md = String::from(
        "## The sender's pass with replies held back (`cargo bench --bench sender_pass`)\n\n",
    );
    let _ = writeln!(
        md,
        "The database work of one pass (the 60 heads of the queue, their claim in one statement, \
         their release) with N replies pending to {chats} chats, dealt in turn as a burst's \
         replies arrive; {PASSES} passes after {WARM} to warm up, release build.\n\n\
         | backend | pending | p50 µs | p95 µs | max µs |\n|---|---:|---:|---:|---:|"
    );
    let mut verdicts = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut medians = Vec::new();
        for n in SIZES {
            let db = BenchDb::create(backend, "pass").await?;
            let store = app::open_store(&db.url).await?;
            fill(&store, n, chats).await?;
            let took = passes(&store).await?;
            let (p50, p95, max) = (
                percentile(&took, 0.5),
                percentile(&took, 0.95),
                took[took.len() - 1],
            );
            eprintln!(
                "{}: {n} pending: p50 {p50} µs, p95 {p95} µs",
                backend.name()
            );
            let _ = writeln!(md, "| {} | {n} | {p50} | {p95} | {max} |", backend.name());
            medians.push(p50);
            store.close().await;
            if let Some(s) = db.schema {
                s.drop_schema().await?;
            }
        }
        let (least, most) = (
            *medians.iter().min().unwrap_or(&1),
            *medians.iter().max().unwrap_or(&1),
        );
        verdicts.push((backend, most as f64 / least.max(1) as f64));
    }
    let flat = verdicts.iter().all(|(_, r)| *r <= 1.5);
    let ratios: Vec<String> = verdicts
        .iter()
        .map(|(b, r)| format!("{} {r:.2}×", b.name()))
        .collect();
    let _ = writeln!(
        md,
        "\nTarget: the pass's median within 1.5× from 1,000 to 50,000 pending: **{}** ({}).",
        if flat { "met" } else { "missed" },
        ratios.join(", ")
    );
    if chats == 2_000 {
        write_section("sender_pass", &md)?;
    }
    print!("{md}");
    Ok(())
}
