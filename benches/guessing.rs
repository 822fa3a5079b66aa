//! Receipt-code guessing: while 50 wrong codes a second arrive from a thousand different
//! chats (each one an Argon2 check if let through), how fast is everyone else's `/help`
//! answered? Measured end to end: the simulator's user sends, the bot's reply arrives.
//! `cargo bench --bench guessing`
mod common;

use lookout::app::{self, Settings};
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::sim::{SimConfig, Simulator};
use std::time::{Duration, Instant};

const GUESSES_PER_SEC: u64 = 50;
const PHASE: Duration = Duration::from_secs(20);
/// One `/help` every this often, each waited for before the next.
const HELP_EVERY: Duration = Duration::from_millis(100);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Without Telegram's limits: this measures the bot's own stalls, not the outbox's pacing.
    let sim = Simulator::start(SimConfig {
        limits: None,
        ..SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut settings = Settings::new(&sim.token(), &sim.api_url(), &db, Config::default());
    settings.poll_timeout_secs = 1;
    settings.limits = Limits::none();
    settings.tip_key = Some([9; 32]);
    let running = app::start(settings).await?;

    let quiet = help_latencies(&sim, 1, Duration::from_secs(5)).await?;
    let guessing = {
        let sim = sim.clone();
        tokio::spawn(async move { guess(&sim).await })
    };
    let busy = help_latencies(&sim, 2, PHASE).await?;
    let guesses = guessing.await??;
    let checked = common::count(
        &running.store,
        "SELECT COUNT(*) FROM rate_hits WHERE kind = 'tip.code'",
    )
    .await?;
    running.shutdown().await;

    let row = |name: &str, l: &[i64]| {
        format!(
            "| {name} | {} | {} | {} | {} |",
            l.len(),
            common::percentile(l, 0.5),
            common::percentile(l, 0.99),
            l.last().copied().unwrap_or(0)
        )
    };
    let md = format!(
        "## Receipt-code guessing (`cargo bench --bench guessing`)\n\n\
         SQLite, release build, the simulator without Telegram's limits. {GUESSES_PER_SEC} wrong \
         receipt codes per second from {guesses} different chats (one guess each, so the \
         per-chat limit never applies and only the overall one does) for {} s, while other \
         people send `/help` one after another, every {} ms, each timed from sending to the \
         reply arriving in the simulator.\n\n\
         | phase | `/help` answered | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n\
         {}\n{}\n\n\
         Guesses that cost an Argon2 check: {checked} of {guesses} ({:.1}/s); the others were \
         told to try again in a few seconds.\n\n\
         Target (`/help` p99 < 200 ms while 50 guesses/s arrive): **{}** (p99 {} ms)\n",
        PHASE.as_secs(),
        HELP_EVERY.as_millis(),
        row("quiet", &quiet),
        row("50 guesses/s", &busy),
        checked as f64 / PHASE.as_secs_f64(),
        if common::percentile(&busy, 0.99) < 200 {
            "met"
        } else {
            "missed"
        },
        common::percentile(&busy, 0.99),
    );
    print!("{md}");
    common::write_section("guessing", &md)?;
    Ok(())
}

/// Wrong codes at a steady rate, each from a new chat; returns how many were sent.
async fn guess(sim: &Simulator) -> anyhow::Result<u64> {
    let total = GUESSES_PER_SEC * PHASE.as_secs();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / GUESSES_PER_SEC));
    for n in 0..total {
        tick.tick().await;
        let user = sim.user(1_000_000 + n as i64, "guesser", Some("en"));
        user.send_text(&format!("/tip {:0>22}", n));
    }
    Ok(total)
}

/// `/help` from `who`'s people in turn for `phase`; each reply's latency in ms, sorted.
async fn help_latencies(sim: &Simulator, who: i64, phase: Duration) -> anyhow::Result<Vec<i64>> {
    let started = Instant::now();
    let mut out = Vec::new();
    let mut n = 0;
    while started.elapsed() < phase {
        let user = sim.user(who * 10_000 + n % 50, "helper", Some("en"));
        n += 1;
        let before = sim.sent(user.id()).len();
        let sent = Instant::now();
        user.send_text("/help");
        sim.wait_for_count(user.id(), before + 1, Duration::from_secs(30))
            .await
            .map_err(|e| anyhow::anyhow!("no answer to /help: {e}"))?;
        out.push(sent.elapsed().as_millis() as i64);
        tokio::time::sleep(HELP_EVERY.saturating_sub(sent.elapsed())).await;
    }
    out.sort_unstable();
    Ok(out)
}
