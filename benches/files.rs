//! Resident memory of `lookout run` (its own process, on SQLite, against the simulator in
//! this process) while hostile pictures go through it. `cargo bench --bench files`
//!
//! Three runs, each with a fresh bot: (1) one tip carrying ten 9000 × 9000 PNG files (each a
//! few hundred KB) sent as documents to a desk of five supervisors and its duty room: they
//! are refused at intake from their headers; (2) the same ten files already queued for those
//! six recipients (as if intake could not fetch their headers): the sender refuses them from
//! their headers; (3) one tip carrying ten of the largest pictures allowed (8000 × 5000, 40
//! megapixels), each decoded once for all six recipients, two at a time.
mod common;

use common::{count, Org, Staff};
use lookout::scrub::large_png;
use lookout::sim::{SimConfig, SimUser, Simulator};
use lookout::store::Outgoing;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const FILES: usize = 10;
const TARGET_MB: f64 = 100.0;
const DESK: usize = 5;

/// VmRSS and VmHWM of a process, in kB.
fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[derive(Clone, Copy, PartialEq)]
enum Run {
    HugeInATip,
    HugeQueued,
    LargestInATip,
}

struct Figures {
    idle_kb: u64,
    peak_kb: u64,
    photos_delivered: usize,
    refused_at_intake: usize,
    failed_sends: i64,
    getfile_calls: u64,
    secs: f64,
}

async fn run(kind: Run) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("files.db").display());
    let staff = Staff {
        supervisors: DESK,
        duty_officers: 0,
        grid_workers: 0,
    };
    let none = Staff {
        supervisors: 0,
        duty_officers: 0,
        grid_workers: 0,
    };
    let org = Org::district(1, 1, [staff, none, none], |_| false);
    let store = lookout::app::open_store(&db).await?;
    org.load(&store).await?;
    let sim = Simulator::start(SimConfig::default()).await?;
    let desk = org.in_simulator(&sim);
    let room = org.units[0].duty_chat.unwrap_or(0);
    let tipster = sim.user(7_000_001, "Whistle", Some("en"));
    let (width, height) = match kind {
        Run::LargestInATip => (8000, 5000),
        _ => (9000, 9000),
    };
    let png = large_png(width, height);

    if kind == Run::HugeQueued {
        // The files exist at Telegram, and their copies wait in the outbox.
        let stranger = sim.user(7_000_002, "Someone", Some("en"));
        let now = chrono::Utc::now().timestamp_millis();
        let mut rows = Vec::new();
        for n in 0..FILES {
            let file = stranger.send_document(&format!("f{n}.png"), "image/png", png.clone());
            for (k, chat) in desk
                .iter()
                .map(SimUser::id)
                .chain(std::iter::once(room))
                .enumerate()
            {
                rows.push(Outgoing {
                    idem_key: format!("photo{n}.{k}"),
                    chat_id: chat,
                    method: "sendPhoto".into(),
                    payload: serde_json::json!({ "photo": format!("scrub:{file}"), "caption": "T-1" }),
                    edit_of: None,
                    ephemeral: false,
                    urgent: false,
                });
            }
        }
        store.enqueue(&rows, now).await?;
    }

    let log = std::fs::File::create(dir.path().join("lookout.log"))?;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .arg("run")
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", sim.token())
        .env("TELOXIDE_API_URL", sim.api_url())
        .env("DATABASE_URL", &db)
        .env("LOOKOUT_TIP_KEY", "07".repeat(32))
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the bot exited at once"))?;
    let wait = Duration::from_secs(120);
    let started = Instant::now();
    // Idle: once the command menus are out (the sender has started) and nothing else is due.
    if kind != Run::HugeQueued {
        while count(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
        )
        .await?
            > 0
        {
            anyhow::ensure!(started.elapsed() < wait, "the bot never settled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = memory_kb(pid).map_or(0, |m| m.0);
    let t0 = Instant::now();

    let mut refused_at_intake = 0;
    if kind != Run::HugeQueued {
        let ask = |text: &'static str| {
            let n = sim.sent(tipster.id()).len();
            tipster.send_text(text);
            sim.wait_for_count(tipster.id(), n + 1, wait)
        };
        ask("/tip").await?;
        ask("Drums of solvent dumped behind the mill").await?;
        for n in 0..FILES {
            let before = sim.sent(tipster.id()).len();
            tipster.send_document(&format!("IMG_{n}.png"), "image/png", png.clone());
            let all = sim.wait_for_count(tipster.id(), before + 1, wait).await?;
            if all[before].text().contains("too large") {
                refused_at_intake += 1;
            }
        }
        let last = sim
            .sent(tipster.id())
            .into_iter()
            .rev()
            .find(|m| m.button("✅ Send tip").is_some())
            .ok_or_else(|| anyhow::anyhow!("no send button"))?;
        let send = last
            .button("✅ Send tip")
            .ok_or_else(|| anyhow::anyhow!("no send button"))?;
        tipster.press(&last, &send);
        sim.wait_for(tipster.id(), wait, |m| m.text().contains("receipt code"))
            .await?;
    }
    // Until every copy is sent or given up.
    loop {
        let Some(_) = memory_kb(pid) else {
            anyhow::bail!(
                "the bot died; its log:\n{}",
                std::fs::read_to_string(dir.path().join("lookout.log")).unwrap_or_default()
            );
        };
        let pending = count(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
        )
        .await?;
        if pending == 0 && t0.elapsed() > Duration::from_secs(1) {
            break;
        }
        anyhow::ensure!(t0.elapsed() < wait * 2, "{pending} sends still pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let peak_kb = memory_kb(pid).map_or(0, |m| m.1);
    let failed_sends = count(&store, "SELECT COUNT(*) FROM outbox WHERE state = 'failed'").await?;
    let photos_delivered = desk
        .iter()
        .map(SimUser::id)
        .chain(std::iter::once(room))
        .map(|c| sim.sent(c).iter().filter(|m| m.photo.is_some()).count())
        .sum();
    let getfile_calls = sim.stats().calls.get("getFile").copied().unwrap_or(0);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    if tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .is_err()
    {
        child.kill().await?;
    }
    store.close().await;
    Ok(Figures {
        idle_kb,
        peak_kb,
        photos_delivered,
        refused_at_intake,
        failed_sends,
        getfile_calls,
        secs,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let runs = [
        (
            Run::HugeInATip,
            "ten 9000 × 9000 PNG files (as documents) in one tip",
        ),
        (
            Run::HugeQueued,
            "the same ten files already queued for the six recipients",
        ),
        (
            Run::LargestInATip,
            "ten 8000 × 5000 PNG files (40 MP, the largest allowed) in one tip",
        ),
    ];
    let mut md = String::from("## Hostile files\n\n");
    let _ = write!(
        md,
        "`cargo bench --bench files`: `lookout run` as its own process on SQLite, against the \
         simulator; the tip desk is {DESK} supervisors and the desk's duty room (six copies of \
         everything). Memory from `/proc/PID/status` (idle: VmRSS before the tip; peak: VmHWM).\n\n\
         | run | idle | peak | peak above idle | refused at intake | pictures delivered | sends failed | getFile calls | s |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    let mut huge_above = 0.0;
    for (kind, label) in runs {
        let f = run(kind).await?;
        let above = mb(f.peak_kb.saturating_sub(f.idle_kb));
        if kind != Run::LargestInATip {
            huge_above = f64::max(huge_above, above);
        }
        println!(
            "files: {label}: idle {:.1} MB, peak {:.1} MB ({above:.1} MB above idle); {} refused at \
             intake, {} pictures delivered, {} sends failed, {} getFile calls, {:.1} s",
            mb(f.idle_kb),
            mb(f.peak_kb),
            f.refused_at_intake,
            f.photos_delivered,
            f.failed_sends,
            f.getfile_calls,
            f.secs
        );
        let _ = writeln!(
            md,
            "| {label} | {:.1} MB | {:.1} MB | {above:.1} MB | {} | {} | {} | {} | {:.1} |",
            mb(f.idle_kb),
            mb(f.peak_kb),
            f.refused_at_intake,
            f.photos_delivered,
            f.failed_sends,
            f.getfile_calls,
            f.secs
        );
    }
    let _ = writeln!(
        md,
        "\nTarget for the 9000 × 9000 files: under {TARGET_MB:.0} MB above idle: **{}** \
         ({huge_above:.1} MB).",
        if huge_above < TARGET_MB {
            "met"
        } else {
            "missed"
        }
    );
    let path = common::write_section("files", &md)?;
    println!("{md}\nwritten to {}", path.display());
    Ok(())
}
