//! `lookout audit` through the real bot and the real binary: a hazard, an escalation that is
//! snoozed and taken, a tip with a reward step, an invite made in the bot and a duty-room
//! bind; the export lists them in order with their actors, and nothing of the tipster.

use crate::common::{lookout, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use std::time::Duration;

both_backends!(the_export_lists_every_step_with_its_actor);

const TIPSTER_ID: i64 = 7_513_579_246;
const TIPSTER_NAME: &str = "Qwhistlez";

/// The index of the first CSV line with all of `parts` after line `after`.
fn line_of(lines: &[&str], after: usize, parts: &[&str]) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(after + 1)
        .find(|(_, l)| parts.iter().all(|p| l.contains(p)))
        .map(|(i, _)| i)
        .unwrap_or_else(|| {
            panic!(
                "no line with {parts:?} after line {after}:\n{}",
                lines.join("\n")
            )
        })
}

async fn the_export_lists_every_step_with_its_actor(b: Backend) {
    let config = Config::parse(
        "[hazard]\nescalate = [\"1s\", \"1h\"]\n[tip]\nescalate = [\"1h\"]\n",
        "test.toml",
    )
    .expect("config");
    let bot = TestBot::spawn_fast_on(b, config, TestClock::now()).await;
    let admin = bot.sim.user(21, "Admin Wu", Some("en"));
    let officer = bot.sim.user(22, "Officer Li", Some("en"));
    let lead = bot.sim.user(23, "Lead Zhao", Some("en"));
    let worker = bot.sim.user(24, "Worker Sun", Some("en"));
    let desk = bot.sim.user(25, "Desk Qian", Some("en"));
    bot.join(&admin, "zhoucun", Role::Admin).await;
    bot.join(&desk, "zhoucun", Role::Supervisor).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;

    // An invite made in the bot, used by the officer, who binds the duty room.
    let made = bot.ask(&admin, "/invite lijia duty_officer").await;
    let code = made
        .text()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rfind(|w| w.len() >= 16)
        .expect("a code")
        .to_string();
    bot.join_with(&officer, &code).await;
    let room = bot.sim.group(-2200, "李家村值班室");
    officer.in_group(&room).send_text("/bind");
    bot.wait_text(room.id(), "李家村").await;

    // A hazard nobody takes: alerted, snoozed by the lead, then taken on the alert.
    worker.send_photo(Some("Gas smell by the school gate"));
    let cat = bot
        .sim
        .wait_for(worker.id(), WAIT, |m| m.button("gas pipeline").is_some())
        .await
        .expect("category");
    worker.press(&cat, &cat.button("gas pipeline").expect("category"));
    let submit = bot
        .sim
        .wait_for(worker.id(), WAIT, |m| {
            m.button("Submit (ordinary)").is_some()
        })
        .await
        .expect("submit");
    worker.press(
        &submit,
        &submit.button("Submit (ordinary)").expect("submit"),
    );
    bot.wait_count("SELECT COUNT(*) FROM hazards", 1).await;
    // The first level's second, on the clock.
    bot.advance(Duration::from_secs(1)).await;
    let alert = bot.wait_text(lead.id(), "Level 1 alert").await;
    let esc = alert
        .text()
        .split_whitespace()
        .find(|w| w.starts_with("E-"))
        .map(|w| w.trim_end_matches(':').to_string())
        .expect("alert id");
    lead.send_text(&format!("/snooze {esc} 2h phoned the village head"));
    bot.wait_text(lead.id(), &format!("Alerts for {esc} paused until"))
        .await;
    lead.send_text(&format!("/ack {esc}"));
    bot.wait_text(lead.id(), "Acknowledged, it is yours").await;
    bot.wait_count(
        "SELECT COUNT(*) FROM hazards WHERE state = 'acknowledged'",
        1,
    )
    .await;

    // A tip: taken by the desk, a reward proposed.
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    bot.ask(&tipster, "/tip").await;
    bot.ask(&tipster, "Fireworks stored in the barn").await;
    let last = bot.sim.sent(tipster.id()).last().cloned().expect("draft");
    tipster.press(&last, &last.button("✅ Send tip").expect("send"));
    let receipt = bot.wait_text(tipster.id(), "receipt code").await;
    let receipt_code = receipt
        .text()
        .split_whitespace()
        .find(|w| w.len() == 22 && w.bytes().all(|b| b.is_ascii_alphanumeric()))
        .expect("code")
        .to_string();
    bot.wait_text(desk.id(), "Fireworks").await;
    bot.ask(&desk, "/ack T-1").await;
    bot.ask(&desk, "/reward T-1 proposed 500").await;
    bot.wait_text(tipster.id(), "500").await;

    let csv = lookout(&bot.db.url, &["audit"]);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8(csv.stdout).expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "at,kind,item,unit,actor_id,actor,detail");
    let id = |name: &str| {
        let people: Vec<&str> = lines
            .iter()
            .filter(|l| l.contains(&format!(",{name},")))
            .copied()
            .collect();
        assert!(!people.is_empty(), "{name} appears");
        name.to_string()
    };
    let admin_name = id("Admin Wu");
    let officer_name = id("Officer Li");
    let lead_name = id("Lead Zhao");
    let worker_name = id("Worker Sun");
    let desk_name = id("Desk Qian");
    // In order, each with who did it.
    let mut at = 0;
    at = line_of(
        &lines,
        at,
        &["invite.created", "lijia", &admin_name, "duty_officer"],
    );
    at = line_of(
        &lines,
        at,
        &["invite.used", "lijia", &officer_name, "duty_officer"],
    );
    at = line_of(&lines, at, &["duty_room.bound", "lijia", &officer_name]);
    at = line_of(
        &lines,
        at,
        &["hazard.reported", "H-1", "lijia", &worker_name],
    );
    at = line_of(
        &lines,
        at,
        &[
            "escalation.notified",
            &esc,
            &lead_name,
            "about H-1",
            "level 1",
        ],
    );
    at = line_of(
        &lines,
        at,
        &[
            "escalation.snoozed",
            &esc,
            &lead_name,
            "phoned the village head",
        ],
    );
    at = line_of(&lines, at, &["escalation.acknowledged", &esc, &lead_name]);
    at = line_of(&lines, at, &["hazard.acknowledged", "H-1", &lead_name]);
    at = line_of(&lines, at, &["tip.received", "T-1", "zhoucun"]);
    at = line_of(&lines, at, &["tip.acknowledged", "T-1", &desk_name]);
    line_of(
        &lines,
        at,
        &["tip.reward", "T-1", &desk_name, "proposed 500"],
    );
    // Times are RFC 3339 in the configured timezone (Asia/Shanghai by default).
    assert!(
        lines[1]
            .split(',')
            .next()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{}",
        lines[1]
    );
    // A tip's rows name nobody; the tipster appears nowhere.
    for l in lines.iter().filter(|l| l.contains(",tip.received,")) {
        let fields: Vec<&str> = l.split(',').collect();
        assert!(fields[4].is_empty() && fields[5].is_empty(), "{l}");
    }

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let jsonl = lookout(
        &bot.db.url,
        &[
            "audit", "--from", &today, "--to", &today, "--format", "jsonl",
        ],
    );
    assert!(
        jsonl.status.success(),
        "{}",
        String::from_utf8_lossy(&jsonl.stderr)
    );
    let jsonl = String::from_utf8(jsonl.stdout).expect("utf-8");
    let objects: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(objects.len(), lines.len() - 1, "the same rows as the CSV");
    let snooze = objects
        .iter()
        .find(|o| o["kind"] == "escalation.snoozed")
        .expect("snooze row");
    assert_eq!(snooze["actor"], "Lead Zhao");
    assert!(snooze["actor_id"].is_i64());
    assert_eq!(
        objects[0].as_object().map(|o| o.len()),
        Some(7),
        "{}",
        objects[0]
    );

    let username = TIPSTER_NAME.to_lowercase();
    let needles = [
        TIPSTER_ID.to_string(),
        TIPSTER_NAME.to_string(),
        username,
        receipt_code,
    ];
    for output in [&csv, &jsonl] {
        let lower = output.to_lowercase();
        for n in &needles {
            assert!(
                !lower.contains(&n.to_lowercase()),
                "the export holds {n}:\n{output}"
            );
        }
    }

    // Bad arguments: a clear error and a non-zero exit.
    for (args, says) in [
        (&["audit", "--from", "2026-13-01"][..], "invalid value"),
        (
            &["audit", "--from", "2026-02-02", "--to", "2026-02-01"][..],
            "is after",
        ),
        (&["audit", "--format", "xml"][..], "invalid value"),
    ] {
        let out = lookout(&bot.db.url, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{args:?}: {err}"
        );
    }
}
