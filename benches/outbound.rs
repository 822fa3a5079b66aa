//! Outbound fan-out against the simulator's enforced Telegram limits: how close the sender
//! gets to 30 messages/s, and whether it ever provokes a 429. `cargo bench --bench outbound`
mod common;

use lookout::app::{self, Settings};
use lookout::config::Config;
use lookout::sim::{SimConfig, Simulator};
use lookout::store::Outgoing;
use serde_json::json;
use std::time::{Duration, Instant};

const CHATS: i64 = 200;
const PER_CHAT: i64 = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = Simulator::start(SimConfig::default()).await?;
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = app::open_store(&db).await?;
    for c in 1..=CHATS {
        sim.user(10_000 + c, &format!("p{c}"), Some("zh-CN"));
    }
    let mut batch = Vec::new();
    for n in 0..PER_CHAT {
        for c in 1..=CHATS {
            batch.push(Outgoing {
                idem_key: format!("bench.{c}.{n}"),
                chat_id: 10_000 + c,
                method: "sendMessage".into(),
                payload: json!({ "text": format!("reminder {n}") }),
                edit_of: None,
                ephemeral: false,
                urgent: false,
            });
        }
    }
    store.enqueue(&batch, 0).await?;
    let mut settings = Settings::new(&sim.token(), &sim.api_url(), &db, Config::default());
    settings.poll_timeout_secs = 1;
    let started = Instant::now();
    let running = app::start(settings).await?;
    let total = (CHATS * PER_CHAT) as u64;
    loop {
        let s = sim.stats();
        if s.sends_accepted >= total {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            anyhow::bail!("only {} of {total} delivered in 120 s", s.sends_accepted);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let s = sim.stats();
    let span = match (s.first_send, s.last_send) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    let rate = (total - 1) as f64 / span;
    println!("outbound: {total} messages to {CHATS} private chats in {span:.2} s");
    println!(
        "  rate {rate:.2} msg/s = {:.1}% of the 30 msg/s limit",
        rate / 30.0 * 100.0
    );
    println!(
        "  429 answers: {}, 5xx: {}, other 4xx: {}",
        s.throttled, s.server_errors, s.client_errors
    );
    let (pending, sent, failed) = store.outbox_counts().await?;
    println!("  outbox: {sent} sent, {pending} pending, {failed} failed");
    running.kill();

    // Kept = each chat got each of its messages (once), as the people see it.
    let mut lost = 0;
    for c in 1..=CHATS {
        let got = sim.sent(10_000 + c);
        lost += (0..PER_CHAT)
            .filter(|n| {
                got.iter()
                    .filter(|m| m.text() == format!("reminder {n}"))
                    .count()
                    != 1
            })
            .count();
    }
    let share = rate / 30.0 * 100.0;
    let met = share >= 95.0 && s.throttled == 0 && lost == 0 && failed == 0;
    let md = format!(
        "## Outbound fan-out\n\n\
         `cargo bench --bench outbound`: {total} messages to {CHATS} private chats ({PER_CHAT} \
         each) queued in the outbox, then sent by the real bot to the simulator, which enforces \
         Telegram's limits (30 messages/s overall, 1/s per chat, 20/min per group) and answers \
         429 past them. Rate = messages ÷ time from the first to the last accepted send.\n\n\
         | messages | time | rate | share of 30/s | 429 answers | 5xx | failed | lost or doubled |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n\
         | {total} | {span:.2} s | {rate:.2}/s | {share:.1} % | {} | {} | {failed} | {lost} |\n\n\
         Target: ≥ 95 % of Telegram's limits with zero 429 answers and every message kept: **{}**.\n",
        s.throttled,
        s.server_errors,
        if met { "met" } else { "missed" }
    );
    common::write_section("outbound", &md)?;
    Ok(())
}
