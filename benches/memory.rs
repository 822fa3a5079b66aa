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
use lookout::config::CronSchedule;
use lookout::sim::{SimConfig, SimUser, Simulator};
use lookout::store::Store;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TOWNS: usize = 99;
const VILLAGES: usize = 100;
const TARGET_MB: f64 = 100.0;
/// Seconds after the child starts: the round opens, closes, and is summarised.
const REMIND: i64 = 10;
const DEADLINE: i64 = 45;
const SUMMARY: i64 = 60;
/// Observed at least this long, and on until every message sent is handled (at most
/// `OBSERVE_MAX`).
const OBSERVE: u64 = 90;
const OBSERVE_MAX: u64 = 180;

/// What members send while the round is open: (label, text).
const KINDS: [(&str, &str); 5] = [
    ("`/zero` (village duty officer)", "/zero"),
    ("`/help` (grid worker)", "/help"),
    ("`/today` (village grid worker)", "/today"),
    ("`/today` (district supervisor)", "/today"),
    ("`/status` (town and district supervisors)", "/status"),
];

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
        CronSchedule::once_text(&(start + chrono::Duration::seconds(offset)).with_timezone(&tz))
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

/// Mean ms per kind of message while the bot had a queue: the gap between consecutive
/// replies' `created_at` when the update arrived before the previous reply was queued.
/// The k-th update is the k-th writer's message (nothing else sends updates here).
async fn service_times(
    store: &Store,
    writers: &[(SimUser, &str, usize)],
) -> anyhow::Result<Vec<(usize, f64)>> {
    let Store::Sqlite(pool) = store else {
        anyhow::bail!("the memory bench runs on SQLite");
    };
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT i.update_id, i.received_at, o.created_at FROM inbox i \
         LEFT JOIN outbox o ON o.idem_key = 'u' || i.update_id || '.0' ORDER BY i.update_id",
    )
    .fetch_all(pool)
    .await?;
    let mut sum = vec![(0usize, 0i64); KINDS.len()];
    for (k, w) in rows.windows(2).enumerate() {
        let (Some(prev), (_, received, Some(done))) = (w[0].2, w[1]) else {
            continue;
        };
        if received <= prev {
            if let Some((_, _, kind)) = writers.get(k + 1) {
                sum[*kind].0 += 1;
                sum[*kind].1 += done - prev;
            }
        }
    }
    Ok(sum
        .into_iter()
        .map(|(n, ms)| (n, ms as f64 / n.max(1) as f64))
        .collect())
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
    let rooms = org.units.iter().filter(|u| u.duty_chat.is_some()).count();
    let users = org.in_simulator(&sim);

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
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the bot exited at once"))?;
    let started = Instant::now();

    // Members write while the round is open: the duty officers of a fifth of the villages
    // answer; grid workers ask for the help and the board; some town supervisors and the
    // district's look at the board and open hazards of everything below them.
    let mut kinds: Vec<Vec<(SimUser, &'static str)>> = vec![Vec::new(); KINDS.len()];
    for (i, (p, u)) in org.people.iter().zip(&users).enumerate() {
        let level = org.units[p.unit].level;
        let kind = match (level, p.role, i % 10) {
            (0, "supervisor", 0) => 4,
            (0, "supervisor", _) => 3,
            (1, "supervisor", 0) if p.unit % 3 == 0 => 4,
            (2, "duty_officer", _) if p.unit % 5 == 0 => 0,
            (2, "grid_worker", 3) if p.unit % 10 == 0 => 1,
            (2, "grid_worker", 2) if p.unit % 50 == 0 => 2,
            _ => continue,
        };
        kinds[kind].push((u.clone(), KINDS[kind].1));
    }
    // Interleaved, so each kind is spread over the whole run.
    let mut writers = Vec::new();
    let longest = kinds.iter().map(Vec::len).max().unwrap_or(0);
    for n in 0..longest {
        for (k, list) in kinds.iter().enumerate() {
            if let Some((u, text)) = list.get(n) {
                writers.push((u.clone(), *text, k));
            }
        }
    }

    let mut idle_kb = 0;
    let mut last = (0, 0);
    let mut sent_writers = 0;
    let mut handled = 0;
    let mut checked = Instant::now();
    loop {
        let t = started.elapsed().as_secs_f64();
        let all_handled = handled == writers.len() as i64;
        if t >= OBSERVE_MAX as f64 || (t >= OBSERVE as f64 && all_handled) {
            break;
        }
        let Some(m) = memory_kb(pid) else {
            anyhow::bail!(
                "the bot exited early; its log:\n{}",
                std::fs::read_to_string(dir.path().join("lookout.log")).unwrap_or_default()
            );
        };
        last = m;
        if t < REMIND as f64 - 1.0 {
            idle_kb = m.0;
        }
        // From two seconds after the round opens, about 100 messages a second.
        let due = ((t - REMIND as f64 - 2.0) * 100.0).max(0.0) as usize;
        while sent_writers < due.min(writers.len()) {
            let (user, text, _) = &writers[sent_writers];
            user.send_text(text);
            sent_writers += 1;
        }
        if checked.elapsed() >= Duration::from_secs(1) {
            handled = count(
                &store,
                "SELECT COUNT(*) FROM inbox WHERE state <> 'pending'",
            )
            .await?;
            checked = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ran = started.elapsed().as_secs();
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
    let service = service_times(&store, &writers).await?;
    let longest = q("SELECT COALESCE(MAX(LENGTH(payload)), 0) FROM outbox").await?;
    let failed = q("SELECT COUNT(*) FROM outbox WHERE state = 'failed'").await?;
    let given_up = q("SELECT COUNT(*) FROM inbox WHERE state = 'failed'").await?;
    let db_mb = std::fs::metadata(dir.path().join("memory.db"))?.len() as f64 / 1e6
        + std::fs::metadata(dir.path().join("memory.db-wal")).map_or(0.0, |m| m.len() as f64 / 1e6);
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
    for ((label, _), (n, ms)) in KINDS.iter().zip(&service) {
        println!("    {label}: {ms:.1} ms (mean of {n})");
    }
    println!(
        "  longest outbox payload {longest} bytes, {failed} sends failed, {given_up} updates \
         given up; database {db_mb:.0} MB on disk"
    );
    // The bot logs at `warn`: anything there is worth seeing next to the figures.
    let log = std::fs::read_to_string(dir.path().join("lookout.log")).unwrap_or_default();
    let problems: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    let kept = common::results_dir()?.join("memory-lookout.log");
    std::fs::write(&kept, &log)?;
    println!(
        "  the bot logged {} warnings and errors (its log: {})",
        problems.len(),
        kept.display()
    );
    for l in problems.iter().take(5) {
        println!("    {l}");
    }
    anyhow::ensure!(expected > 0, "no round opened; the schedule did not fire");

    let mut md = String::from("## Memory\n\n");
    let _ = write!(
        md,
        "`cargo bench --bench memory`: `lookout run` as its own process on SQLite with {} units \
         (district, {TOWNS} towns, {} villages) and {} people (ten per unit: duty officers, \
         supervisors, grid workers), {rooms} duty-room groups, against the simulator \
         (Telegram's limits on). On a compressed schedule it opens a zero-report round over \
         every unit ({expected} expected), nags, closes it ({escalations} escalations) and sends \
         the summary to every supervisor, while {sent_writers} messages arrive at 100/s (`/zero`, \
         `/help`, `/today`, `/status`; {handled} handled within the {ran} s observed, which \
         goes on until all are, or {OBSERVE_MAX} s). {outbox} outbox rows, {sent} of them \
         delivered. Memory from `/proc/PID/status`, sampled every 100 ms.\n\n\
         | idle after start (VmRSS) | peak (VmHWM) | at the end (VmRSS) |\n|---:|---:|---:|\n\
         | {:.1} MB | {:.1} MB | {:.1} MB |\n\n\
         Target: under {TARGET_MB:.0} MB: **{}**{}.\n",
        org.units.len(),
        TOWNS * VILLAGES,
        org.people.len(),
        mb(idle_kb),
        mb(hwm),
        mb(rss),
        if mb(hwm) < TARGET_MB { "met" } else { "missed" },
        // A peak is only worth as much as the work done while it was measured.
        if handled < sent_writers as i64 {
            format!(
                ", but only {handled} of the {sent_writers} messages were handled in {ran} s: \
                 this is the memory of a bot that did not get through the load"
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        md,
        "\nAlso seen: the longest outbox payload was {longest} bytes; {failed} sends failed; \
         {given_up} updates were given up after five attempts; the bot logged {} warnings and \
         errors (`target/bench-results/memory-lookout.log`); the database grew to {db_mb:.0} MB.",
        problems.len()
    );
    md.push_str(
        "\nTime per message at this size (while the bot had a queue: the gap between \
         consecutive replies' `created_at`, mean):\n\n| message | ms | of |\n|---|---:|---:|\n",
    );
    for ((label, _), (n, ms)) in KINDS.iter().zip(&service) {
        let _ = writeln!(md, "| {label} | {ms:.1} | {n} |");
    }
    let path = common::write_section("memory", &md)?;
    println!("{md}\nwritten to {}", path.display());
    Ok(())
}
