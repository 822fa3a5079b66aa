//! Resident memory of `lookout run` with 10,000 units and 100,000 people, as a separate
//! process (so the figure is the bot's alone) against the simulator in this process.
//! `cargo bench --bench memory`
//!
//! The org is written straight into a SQLite file: a district, 99 towns, 9,900 villages,
//! ten people each (duty officers, supervisors, grid workers); the district, the towns and
//! every other village have a duty-room group. The bot then runs a whole zero-report round
//! over all units on a compressed schedule (reminders, the nag, the deadline with an
//! escalation per silent unit, the summary to every supervisor) while members write to it
//! (`/zero`, `/today`, `/help`, `/status`), and /proc/PID/status is sampled throughout.
mod common;

use common::{count, Org, Staff};
use lookout::sim::{SimConfig, SimUser, Simulator};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TOWNS: usize = 99;
const VILLAGES: usize = 100;
const TARGET_MB: f64 = 100.0;
/// Seconds after the child starts: the round opens, closes, and is summarised.
const REMIND: i64 = 10;
const DEADLINE: i64 = 45;
const SUMMARY: i64 = 60;
const OBSERVE: u64 = 90;

fn org() -> Org {
    let staff = [
        Staff {
            supervisors: 3,
            duty_officers: 3,
            grid_workers: 4,
        },
        Staff {
            supervisors: 2,
            duty_officers: 3,
            grid_workers: 5,
        },
        Staff {
            supervisors: 1,
            duty_officers: 1,
            grid_workers: 8,
        },
    ];
    Org::district(TOWNS, VILLAGES, staff, |k| k % 2 == 0)
}

/// A config with the round's schedule at fixed seconds from now (cron in the timezone).
fn config_file(start: chrono::DateTime<chrono::Utc>) -> String {
    let tz = chrono_tz::Asia::Shanghai;
    let at = |offset: i64| {
        use chrono::{Datelike, Timelike};
        let t = (start + chrono::Duration::seconds(offset)).with_timezone(&tz);
        format!(
            "{} {} {} {} {} *",
            t.second(),
            t.minute(),
            t.hour(),
            t.day(),
            t.month()
        )
    };
    format!(
        "timezone = \"Asia/Shanghai\"\n\
         [fire_season]\nperiods = [\"01-01..12-31\"]\n\
         [zero_report]\nremind = \"{}\"\ndeadline = \"{}\"\nsummary = \"{}\"\nescalate = [\"0s\", \"1h\"]\n",
        at(REMIND),
        at(DEADLINE),
        at(SUMMARY)
    )
}

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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("memory.db").display());
    let org = org();
    let built = Instant::now();
    let store = lookout::app::open_store(&db).await?;
    org.load(&store).await?;
    println!(
        "memory: {} units, {} people loaded in {:.1} s",
        org.units.len(),
        org.people.len(),
        built.elapsed().as_secs_f64()
    );

    let sim = Simulator::start(SimConfig::default()).await?;
    let mut rooms = 0;
    for u in &org.units {
        if let Some(chat) = u.duty_chat {
            sim.group(chat, &format!("{}值班室", u.name));
            rooms += 1;
        }
    }
    let users: Vec<SimUser> = org
        .people
        .iter()
        .map(|p| {
            sim.user(
                p.tg_user_id,
                &format!("巡查员{}", p.tg_user_id),
                Some("zh-CN"),
            )
        })
        .collect();

    let config = dir.path().join("lookout.toml");
    std::fs::write(&config, config_file(chrono::Utc::now()))?;
    let log = std::fs::File::create(dir.path().join("lookout.log"))?;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .arg("run")
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", sim.token())
        .env("TELOXIDE_API_URL", sim.api_url())
        .env("DATABASE_URL", &db)
        .env("LOOKOUT_CONFIG", &config)
        .env("LOOKOUT_TIP_KEY", "07".repeat(32))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the bot exited at once"))?;
    let started = Instant::now();

    // Members write while the round is open: the duty officers of a fifth of the villages
    // answer; grid workers look at the board and the help; town supervisors at their open
    // hazards; the district's supervisors at the board and hazards of all 10,000 units.
    let writers: Vec<(SimUser, &'static str)> = org
        .people
        .iter()
        .zip(&users)
        .enumerate()
        .filter_map(|(i, (p, u))| {
            let level = org.units[p.unit].level;
            let text = match (level, p.role, i % 10) {
                (0, "supervisor", 0) => "/status",
                (0, "supervisor", _) => "/today",
                (1, "supervisor", _) => "/status",
                (2, "duty_officer", _) if p.unit % 5 == 0 => "/zero",
                (2, "grid_worker", 2) if p.unit % 10 == 0 => "/today",
                (2, "grid_worker", 3) if p.unit % 10 == 0 => "/help",
                _ => return None,
            };
            Some((u.clone(), text))
        })
        .collect();

    let mut idle_kb = 0;
    let mut last = (0, 0);
    let mut sent_writers = 0;
    while started.elapsed() < Duration::from_secs(OBSERVE) {
        let Some(m) = memory_kb(pid) else {
            anyhow::bail!(
                "the bot exited early; its log:\n{}",
                std::fs::read_to_string(dir.path().join("lookout.log")).unwrap_or_default()
            );
        };
        last = m;
        let t = started.elapsed().as_secs_f64();
        if t < REMIND as f64 - 1.0 {
            idle_kb = m.0;
        }
        // From two seconds after the round opens, about 100 messages a second.
        let due = ((t - REMIND as f64 - 2.0) * 100.0).max(0.0) as usize;
        while sent_writers < due.min(writers.len()) {
            let (user, text) = &writers[sent_writers];
            user.send_text(text);
            sent_writers += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    if tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .is_err()
    {
        child.kill().await?;
    }

    let q = |sql: &'static str| count(&store, sql);
    let expected = q("SELECT COUNT(*) FROM zero_expected").await?;
    let answered = q("SELECT COUNT(*) FROM zero_answers").await?;
    let escalations = q("SELECT COUNT(*) FROM escalations").await?;
    let outbox = q("SELECT COUNT(*) FROM outbox").await?;
    let handled = q("SELECT COUNT(*) FROM inbox WHERE state = 'done'").await?;
    let sent = sim.stats().sends_accepted;
    store.close().await;
    let (rss, hwm) = last;
    println!(
        "  {} writers' messages sent, {handled} handled; round: {expected} units expected, \
         {answered} answered, {escalations} escalations; {outbox} outbox rows, {sent} delivered",
        sent_writers
    );
    println!(
        "  lookout run: idle {:.1} MB, peak (VmHWM) {:.1} MB, at the end {:.1} MB",
        mb(idle_kb),
        mb(hwm),
        mb(rss)
    );
    anyhow::ensure!(expected > 0, "no round opened; the schedule did not fire");

    let mut md = String::from("## Memory\n\n");
    let _ = write!(
        md,
        "`cargo bench --bench memory`: `lookout run` as its own process on SQLite with {} units \
         (district, {TOWNS} towns, {} villages) and {} people (ten per unit: duty officers, \
         supervisors, grid workers), {rooms} duty-room groups, against the simulator \
         (Telegram's limits on). On a compressed schedule it opens a zero-report round over \
         every unit ({expected} expected), nags, closes it ({escalations} escalations) and sends \
         the summary to every supervisor, while {sent_writers} messages arrive (`/zero`, `/today`, \
         `/status`, `/help`; {handled} updates handled). {outbox} outbox rows, {sent} of them \
         delivered within the {OBSERVE} s observed. Memory from `/proc/PID/status`, sampled \
         every 100 ms.\n\n\
         | idle after start (VmRSS) | peak (VmHWM) | at the end (VmRSS) |\n|---:|---:|---:|\n\
         | {:.1} MB | {:.1} MB | {:.1} MB |\n\n\
         Target: under {TARGET_MB:.0} MB: **{}**.\n",
        org.units.len(),
        TOWNS * VILLAGES,
        org.people.len(),
        mb(idle_kb),
        mb(hwm),
        mb(rss),
        if mb(hwm) < TARGET_MB { "met" } else { "missed" }
    );
    let path = common::write_section("memory", &md)?;
    println!("{md}\nwritten to {}", path.display());
    Ok(())
}
