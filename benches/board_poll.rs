//! Open board pages and everyone else: 20 pages poll the 10,000-unit district board (the
//! board bench's district, `common::board`) as the page does (the next request a second after
//! the last answer, with its ETag, asking for gzip) while people send `/help`, timed end to
//! end (sent in the simulator → reply arrived). Twice: each request building its own board (as
//! before the shared build) and with the shared build (one per unit and language a second).
//! Board builds per second from `lookout_board_builds_total`.
//!
//! Target (issue 21): `/help` p99 under 200 ms, and board builds per second no more than the
//! number of distinct boards polled (here one). `BOARD_TOWNS=N` or `BOARD_BACKENDS=sqlite` run
//! a part and write no results section.
mod common;

use common::board::{District, TOWNS};
use common::Backend;
use lookout::app;
use lookout::sim::Simulator;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const PAGES: usize = 20;
const PHASE: Duration = Duration::from_secs(20);
/// One `/help` every this often, each waited for before the next.
const HELP_EVERY: Duration = Duration::from_millis(100);
const HELP_TARGET_MS: i64 = 200;

struct Phase {
    name: &'static str,
    help: Vec<i64>,
    polls: Vec<i64>,
    builds_per_s: f64,
}

struct Run {
    backend: Backend,
    units: i64,
    phases: Vec<Phase>,
}

/// `lookout_board_builds_total` now.
async fn builds(client: &reqwest::Client, addr: SocketAddr) -> anyhow::Result<f64> {
    let text = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("lookout_board_builds_total "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no lookout_board_builds_total"))
}

/// One page until `until`: each answer's time in ms.
async fn page(addr: SocketAddr, token: String, until: Instant) -> anyhow::Result<Vec<i64>> {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/board?t={token}");
    let mut etag: Option<reqwest::header::HeaderValue> = None;
    let mut out = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        let mut req = client
            .get(&url)
            .header("Accept-Encoding", "gzip")
            .timeout(Duration::from_secs(8));
        if let Some(e) = &etag {
            req = req.header("If-None-Match", e.clone());
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        anyhow::ensure!(status == 200 || status == 304, "board answered {status}");
        if status == 200 {
            etag = r.headers().get("etag").cloned();
        }
        r.bytes().await?;
        out.push(t.elapsed().as_millis() as i64);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(out)
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

async fn phase(
    d: &District,
    addr: SocketAddr,
    token: &str,
    name: &'static str,
    who: i64,
) -> anyhow::Result<Phase> {
    let client = reqwest::Client::new();
    // The month's earlier rounds are counted once, at the first build: not part of polling.
    client
        .get(format!("http://{addr}/api/board?t={token}"))
        .send()
        .await?
        .bytes()
        .await?;
    let before = builds(&client, addr).await?;
    let started = Instant::now();
    let until = started + PHASE;
    let pages: Vec<_> = (0..PAGES)
        .map(|_| tokio::spawn(page(addr, token.to_string(), until)))
        .collect();
    let help = help_latencies(&d.sim, who, PHASE).await?;
    let mut polls = Vec::new();
    for p in pages {
        polls.extend(p.await??);
    }
    let builds_per_s = (builds(&client, addr).await? - before) / started.elapsed().as_secs_f64();
    polls.sort_unstable();
    println!(
        "  {name}: /help p50 {} p99 {} max {} ms ({}); board answers p50 {} p99 {} ms ({}); {builds_per_s:.1} builds/s",
        common::percentile(&help, 0.5),
        common::percentile(&help, 0.99),
        help.last().copied().unwrap_or(0),
        help.len(),
        common::percentile(&polls, 0.5),
        common::percentile(&polls, 0.99),
        polls.len(),
    );
    Ok(Phase {
        name,
        help,
        polls,
        builds_per_s,
    })
}

async fn run(backend: Backend, towns: usize) -> anyhow::Result<Run> {
    let alone = Some(Duration::ZERO);
    let (d, running) = District::open(backend, towns, "board_poll", alone).await?;
    let token = lookout::board::issue_token(&d.store, "d", None, d.now_ms(), None).await?;
    let mut phases = Vec::new();
    let addr = District::addr(&running)?;
    phases.push(phase(&d, addr, &token, "a build per request", 1).await?);
    // The same bot again with the shared build (the default).
    running.shutdown().await;
    let running = app::start(d.settings(None)).await?;
    let addr = District::addr(&running)?;
    phases.push(phase(&d, addr, &token, "shared build", 2).await?);
    let units = d.units;
    d.close(running).await?;
    Ok(Run {
        backend,
        units,
        phases,
    })
}

fn section(runs: &[Run]) -> String {
    let mut md = format!(
        "## Open board pages and `/help` (`cargo bench --bench board_poll`)\n\n\
         The board bench's district (10,001 units, a month of rounds, today's open with a fifth \
         of the villages answered), release build, the simulator without Telegram's limits. \
         {PAGES} pages poll the district's board for {} s as the page does (the next request a \
         second after the last answer, with its ETag, in gzip) while people send `/help` one \
         after another every {} ms, each timed from sending to the reply arriving in the \
         simulator. First with each request building its own board (as before the shared \
         build), then with the shared build (the default: one build per unit and language a \
         second, the pages asking meanwhile waiting for it). Builds per second from \
         `lookout_board_builds_total`.\n\n\
         | backend | units | board | `/help` answered | `/help` p50 / p99 / max ms | board answers | board p50 / p99 ms | board builds/s |\n\
         |---|---:|---|---:|---:|---:|---:|---:|\n",
        PHASE.as_secs(),
        HELP_EVERY.as_millis(),
    );
    for r in runs {
        for p in &r.phases {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} / {} / {} | {} | {} / {} | {:.1} |",
                r.backend.name(),
                r.units,
                p.name,
                p.help.len(),
                common::percentile(&p.help, 0.5),
                common::percentile(&p.help, 0.99),
                p.help.last().copied().unwrap_or(0),
                p.polls.len(),
                common::percentile(&p.polls, 0.5),
                common::percentile(&p.polls, 0.99),
                p.builds_per_s,
            );
        }
    }
    let shared: Vec<&Phase> = runs.iter().filter_map(|r| r.phases.last()).collect();
    let worst_help = shared
        .iter()
        .map(|p| common::percentile(&p.help, 0.99))
        .max()
        .unwrap_or(0);
    let worst_builds = shared.iter().map(|p| p.builds_per_s).fold(0.0, f64::max);
    let met = worst_help < HELP_TARGET_MS && worst_builds <= 1.0;
    let _ = writeln!(
        md,
        "\nTarget (with the shared build): `/help` p99 under {HELP_TARGET_MS} ms while {PAGES} pages \
         poll a 10,000-unit board, and board builds per second no more than the boards polled \
         (one): **{}** (`/help` p99 at worst {worst_help} ms, {worst_builds:.1} builds/s).",
        if met { "met" } else { "missed" },
    );
    md
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let towns: usize = common::env_num("BOARD_TOWNS", TOWNS);
    let backends = std::env::var("BOARD_BACKENDS").unwrap_or("sqlite,postgres".into());
    let mut runs = Vec::new();
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        if backends.contains(name) {
            runs.push(run(backend, towns).await?);
        }
    }
    let md = section(&runs);
    println!("\n{md}");
    if towns == TOWNS && backends == "sqlite,postgres" {
        let path = common::write_section("board_poll", &md)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
