//! Replica scaling on PostgreSQL: 1, 2 and 3 `lookout run` processes in webhook mode, behind
//! the simulator's load balancer, take the same backlog of updates from a district's members
//! (the inbound bench's script). `cargo bench --bench replicas`; PostgreSQL from
//! `LOOKOUT_BENCH_PG`.
//!
//! The replicas start and report healthy first; then the webhook is set and the simulator
//! pushes the backlog (40 connections, like Telegram's default), each update to the next
//! replica in turn. Updates/s run from the first update stored to the last reply queued.
mod common;

use common::load::{district, measure, send_nth, Phase};
use common::{count, write_section, PgSchema};
use lookout::app;
use lookout::sim::{SimConfig, Simulator};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const TOWNS: usize = 10;
const VILLAGES: usize = 10;
const UPDATES: usize = 6_000;
const SECRET: &str = "bench-secret";

fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

async fn healthy(addr: SocketAddr) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("http://{addr}/health")).await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("replica at {addr} never became healthy")
}

async fn run(replicas: usize) -> anyhow::Result<Phase> {
    let schema = PgSchema::create(&format!("replicas{replicas}")).await?;
    let store = app::open_store(&schema.url).await?;
    let org = district(TOWNS, VILLAGES);
    org.load(&store).await?;
    let sim = Simulator::start(SimConfig::default()).await?;
    let users = org.in_simulator(&sim);
    for n in 0..UPDATES {
        send_nth(&users, n);
    }

    let dir = tempfile::tempdir()?;
    let addrs = (0..replicas)
        .map(|_| free_addr())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut children: Vec<Child> = Vec::new();
    for addr in &addrs {
        children.push(
            Command::new(env!("CARGO_BIN_EXE_lookout"))
                .args(["run", "--webhook", &addr.to_string()])
                .current_dir(dir.path())
                .env("TELOXIDE_TOKEN", sim.token())
                .env("TELOXIDE_API_URL", sim.api_url())
                .env("DATABASE_URL", &schema.url)
                .env("LOOKOUT_WEBHOOK_SECRET", SECRET)
                .env("LOOKOUT_TIP_KEY", "07".repeat(32))
                .env("RUST_LOG", "warn")
                .env_remove("LOOKOUT_CONFIG")
                .kill_on_drop(true)
                .spawn()?,
        );
    }
    for addr in &addrs {
        healthy(*addr).await?;
    }
    let urls: Vec<String> = addrs
        .iter()
        .map(|a| format!("http://{a}/telegram"))
        .collect();
    sim.balance_webhook(urls.clone());
    let set = reqwest::Client::new()
        .post(format!("{}bot{}/setWebhook", sim.api_url(), sim.token()))
        .json(&serde_json::json!({ "url": urls[0], "secret_token": SECRET }))
        .send()
        .await?;
    anyhow::ensure!(set.status().is_success(), "setWebhook: {}", set.status());

    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done = count(
            &store,
            "SELECT COUNT(*) FROM inbox WHERE state <> 'pending'",
        )
        .await?;
        if done >= UPDATES as i64 {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{replicas} replicas: {done} of {UPDATES} handled in 600 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let phase = measure(&store, 0, UPDATES).await?;
    for mut c in children {
        c.kill().await?;
    }
    sim.shutdown();
    store.close().await;
    schema.drop_schema().await?;
    Ok(phase)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut table = String::from(
        "| replicas | updates | handled/s | vs 1 replica | p50 ms | p99 ms | unanswered | failed |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut base = None;
    for replicas in 1..=3 {
        let p = run(replicas).await?;
        let base = *base.get_or_insert(p.rate);
        println!(
            "{replicas} replica(s): {:.0} updates/s ({:.2}×), p50 {} ms, p99 {} ms",
            p.rate,
            p.rate / base,
            p.p50,
            p.p99
        );
        writeln!(
            table,
            "| {replicas} | {} | {:.0} | {:.2}× | {} | {} | {} | {} |",
            p.updates,
            p.rate,
            p.rate / base,
            p.p50,
            p.p99,
            p.no_reply,
            p.failed
        )?;
    }
    let section = format!(
        "## Replica scaling (PostgreSQL)\n\n\
         `cargo bench --bench replicas`: 1, 2 and 3 `lookout run` processes in webhook mode on one \
         PostgreSQL database, behind the simulator's load balancer (each update to the next \
         replica in turn, 40 connections). {UPDATES} updates wait before the webhook is set: \
         the inbound bench's script, from the {} members of a {}-unit district. Updates/s from \
         the first update stored to the last reply queued; latency from an update stored to \
         its first reply queued (backlog included). All processes share the machine's cores \
         with PostgreSQL and the simulator.\n\n{table}",
        district(TOWNS, VILLAGES).people.len(),
        district(TOWNS, VILLAGES).units.len(),
    );
    write_section("replicas", &section)?;
    Ok(())
}
