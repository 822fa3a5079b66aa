//! Taking an escalation alert ("I'll handle it", `/ack E-…`) takes its item, through the real
//! bot: a hazard becomes acknowledged by that person, a tip is taken for the desk, and a
//! missing zero report's alert means "I am on it" while the unit must still answer.

use crate::common::{is_reminder, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::{SentMessage, SimUser};
use std::time::Duration;

both_backends!(
    a_taken_hazard_alert_acknowledges_the_hazard,
    a_taken_tip_alert_takes_the_tip_for_the_desk,
    a_taken_zero_report_alert_leaves_the_unit_expected,
);

/// The alert of escalation `tag` at `level` in a chat (it carries the acknowledge button).
async fn alert(bot: &TestBot, chat: i64, tag: &str, level: &str) -> SentMessage {
    bot.sim
        .wait_for(chat, WAIT, |m| {
            m.text().contains(tag) && m.text().contains(level) && !m.buttons.is_empty()
        })
        .await
        .unwrap_or_else(|e| panic!("alert {tag} {level}: {e}"))
}

/// Press a button and wait for the popup the bot answers it with.
async fn press_for_popup(who: &SimUser, msg: &SentMessage, data: &str) -> String {
    let query = who.press(msg, data);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let answered = who
            .callback_answers()
            .into_iter()
            .find(|(q, _)| *q == query);
        if let Some((_, text)) = answered {
            return text.unwrap_or_default();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no answer to the press of {data}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Noon: the hours the clock moves over a chain's steps meet none of the day's schedules.
fn noon() -> TestClock {
    TestClock::at("2026-11-16 12:00")
}

/// Move the clock over the next `steps` steps of escalation `id`.
async fn escalate(bot: &TestBot, id: i64, steps: usize) {
    for _ in 0..steps {
        bot.advance_to_timer(&format!("esc:{id}")).await;
    }
}

async fn a_taken_hazard_alert_acknowledges_the_hazard(b: Backend) {
    let config = Config::parse(
        "[hazard]\nescalate = [\"1h\", \"2h\", \"3h\"]\nrectify_within = \"1h\"\n",
        "test.toml",
    )
    .expect("config");
    let bot = TestBot::spawn_fast_on(b, config, noon()).await;
    let worker = bot.sim.user(61, "Grid Worker", Some("en"));
    let officer = bot.sim.user(62, "李家村值班员", Some("zh"));
    let village = bot.sim.user(63, "村带班", Some("zh"));
    let town = bot.sim.user(64, "Town Lead", Some("en"));
    let district = bot.sim.user(65, "区领导", Some("zh"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&village, "lijia", Role::Supervisor).await;
    bot.join(&town, "wangcun", Role::Supervisor).await;
    bot.join(&district, "zhoucun", Role::Supervisor).await;

    worker.send_photo(Some("Fallen power line across the path to the reservoir"));
    bot.press_label(&worker, "forest fire risk").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    let card = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-1") && m.button("✅ 确认").is_some()
        })
        .await
        .expect("the card reaches the duty officer");

    // Nobody takes it: level 1, 2, 3. The town supervisor then takes their level-2 alert.
    let id = bot
        .count("SELECT id FROM escalations WHERE subject = 'hazard:1'")
        .await;
    let tag = format!("E-{id}");
    escalate(&bot, id, 3).await;
    alert(&bot, district.id(), &tag, "第 3 级").await;
    let theirs = alert(&bot, town.id(), &tag, "Level 2").await;
    let reply = press_for_popup(&town, &theirs, &theirs.button_data()[0]).await;
    assert!(
        reply.starts_with("Acknowledged") && reply.contains("H-1"),
        "{reply}"
    );

    // The hazard is acknowledged by them, with its rectification deadline armed.
    bot.wait_count(
        "SELECT COUNT(*) FROM hazards WHERE id = 1 AND state = 'acknowledged' \
         AND acked_at IS NOT NULL AND rectify_due IS NOT NULL",
        1,
    )
    .await;
    let town_id = bot.person_id(&town).await;
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM hazard_events WHERE hazard_id = 1 AND action = 'acknowledged' AND person_id = {town_id}"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM timers WHERE kind = 'hz.overdue' AND state = 'pending'")
            .await,
        1,
        "the rectification deadline is armed"
    );
    // The reporter hears who took it, in their language.
    let told = bot
        .sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("H-1") && m.text().contains("Town Lead")
        })
        .await
        .expect("reporter told");
    assert!(told.text().contains("acknowledged"), "{}", told.text());
    // The card shows who took it and offers the next step instead of Acknowledge.
    let edited = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.message_id == card.message_id && m.edits > 0
        })
        .await
        .expect("card edited");
    assert!(
        edited.text().contains("Town Lead") && edited.text().contains("H-1"),
        "{}",
        edited.text()
    );
    assert!(edited.button("✅ 确认").is_none() && edited.button("✅ 整改完成").is_some());
    // Everyone alerted hears who took it; the chain is over and nothing escalates again.
    for who in [&village, &district] {
        bot.sim
            .wait_for(who.id(), WAIT, |m| {
                m.text().contains("Town Lead 已确认处理")
            })
            .await
            .expect("alerted people told who took it");
    }
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'resolved' AND acked_by = {town_id}"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM timers WHERE grp = 'esc:{id}' AND state = 'pending'"
        ))
        .await,
        0
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM escalations WHERE state <> 'resolved'")
            .await,
        0
    );
    // A later press on another alert of it, and the hazard's own button, change nothing.
    let other = alert(&bot, district.id(), &tag, "第 3 级").await;
    let again = press_for_popup(&district, &other, &other.button_data()[0]).await;
    assert!(again.contains("已处理完毕"), "{again}");
    let own = press_for_popup(
        &officer,
        &card,
        &card.button("✅ 确认").expect("old button"),
    )
    .await;
    assert!(own.contains("H-1") && own.contains("已确认"), "{own}");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM hazard_events WHERE action = 'acknowledged'")
            .await,
        1
    );
}

const TIPSTER: i64 = 7_400_000_001;

async fn a_taken_tip_alert_takes_the_tip_for_the_desk(b: Backend) {
    // The desk is a town: its supervisor handles tips, the district above only watches.
    let config = Config::parse(
        "[tip]\ndesk = \"wangcun\"\nescalate = [\"1h\", \"2h\"]\n",
        "test.toml",
    )
    .expect("config");
    let bot = TestBot::spawn_fast_on(b, config, noon()).await;
    let desk = bot.sim.user(71, "Desk Lead", Some("en"));
    let district = bot.sim.user(72, "区领导", Some("zh"));
    bot.join(&desk, "wangcun", Role::Supervisor).await;
    bot.join(&district, "zhoucun", Role::Supervisor).await;
    let tipster = bot.sim.user(TIPSTER, "Whistle", Some("en"));
    bot.ask(&tipster, "/tip").await;
    bot.ask(&tipster, "Fireworks stored in the barn behind the school")
        .await;
    bot.press_label(&tipster, "✅ Send tip").await;
    bot.sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("receipt code"))
        .await
        .expect("tip sent");

    let id = bot
        .count("SELECT id FROM escalations WHERE subject = 'tip:1'")
        .await;
    let tag = format!("E-{id}");
    escalate(&bot, id, 2).await;
    let level1 = alert(&bot, desk.id(), &tag, "Level 1").await;
    let level2 = alert(&bot, district.id(), &tag, "第 2 级").await;

    // The district supervisor may see the alert but not take a tip: refused, nothing changes.
    let refused = press_for_popup(&district, &level2, &level2.button_data()[0]).await;
    assert!(refused.contains("无权直接受理"), "{refused}");
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'open'"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM tips WHERE state = 'open'")
            .await,
        1
    );

    // The desk supervisor takes it: the tip is acknowledged for the desk, the tipster told.
    let taken = press_for_popup(&desk, &level1, &level1.button_data()[0]).await;
    assert!(taken.starts_with("Acknowledged"), "{taken}");
    let desk_id = bot.person_id(&desk).await;
    bot.wait_count(
        &format!(
            "SELECT COUNT(*) FROM tips WHERE id = 1 AND state = 'acknowledged' AND acked_by = {desk_id}"
        ),
        1,
    )
    .await;
    bot.sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("being handled"))
        .await
        .expect("tipster told, as with the tip's own acknowledgement");
    bot.sim
        .wait_for(district.id(), WAIT, |m| {
            m.text().contains("Desk Lead 已确认处理")
        })
        .await
        .expect("alerted people told who took it");
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'resolved' AND acked_by = {desk_id}"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count(
            "SELECT COUNT(*) FROM tip_entries WHERE kind = 'state' AND body = 'acknowledged'"
        )
        .await,
        1
    );
    // The tip's own button afterwards: already taken.
    let card = bot
        .sim
        .wait_for(desk.id(), WAIT, |m| {
            m.text().contains("Fireworks") && !m.buttons.is_empty()
        })
        .await
        .expect("the tip card");
    let own = press_for_popup(&desk, &card, &card.button_data()[0]).await;
    assert!(own.contains("already being handled"), "{own}");
    assert_eq!(
        bot.count(
            "SELECT COUNT(*) FROM tip_entries WHERE kind = 'state' AND body = 'acknowledged'"
        )
        .await,
        1
    );
}

/// A morning's round: remind at 08:00, deadline 10:00; missing units escalate at the
/// deadline, then one level up 30 minutes later.
fn morning() -> Config {
    let text =
        "[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
         deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\nescalate = [\"0s\", \"30m\"]\n";
    Config::parse(text, "test.toml").expect("test config")
}

async fn a_taken_zero_report_alert_leaves_the_unit_expected(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, morning(), TestClock::at("2026-11-16 07:00")).await;
    let officer = bot.sim.user(81, "南郊值班员", Some("zh"));
    let lead = bot.sim.user(82, "南郊带班", Some("zh"));
    let district = bot.sim.user(83, "District Lead", Some("en"));
    bot.join(&officer, "nanjiao", Role::DutyOfficer).await;
    bot.join(&lead, "nanjiao", Role::Supervisor).await;
    bot.join(&district, "zhoucun", Role::Supervisor).await;
    bot.advance_to_timer("sched:zero_report.remind").await;
    let reminder = bot
        .sim
        .wait_for(officer.id(), WAIT, is_reminder)
        .await
        .expect("reminder");
    // Silent past the deadline: level 1, then the district at level 2.
    bot.advance_to_timer("sched:zero_report.deadline").await;
    let first = bot
        .sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("南郊镇 未报送") && !m.buttons.is_empty()
        })
        .await
        .expect("level 1");
    let id = bot
        .count("SELECT id FROM escalations WHERE subject LIKE 'zero:%'")
        .await;
    escalate(&bot, id, 1).await;
    bot.sim
        .wait_for(district.id(), WAIT, |m| {
            m.text().contains("Level 2") && !m.buttons.is_empty()
        })
        .await
        .expect("level 2");
    let reply = press_for_popup(&lead, &first, &first.button_data()[0]).await;
    assert!(
        reply.contains("已由您跟进") && reply.contains("仍须报送"),
        "{reply}"
    );
    bot.sim
        .wait_for(district.id(), WAIT, |m| {
            m.text().contains("南郊带班 is on it") && m.text().contains("must still file")
        })
        .await
        .expect("everyone alerted hears who took it");
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject LIKE 'zero:%' AND state = 'acknowledged'",
        1,
    )
    .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM timers WHERE grp LIKE 'esc:%' AND state = 'pending'")
            .await,
        0,
        "the alerts stop"
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM zero_answers").await, 0);
    // The unit still shows missing, and may still answer: late.
    let board = bot.ask(&lead, "/today").await;
    assert!(board.text().contains("❌ 南郊镇 未报"), "{}", board.text());
    officer.press(&reminder, &reminder.button_data()[0]);
    bot.wait_count(
        "SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'nanjiao' AND late",
        1,
    )
    .await;
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject LIKE 'zero:%' AND state = 'resolved'",
        1,
    )
    .await;
    bot.sim
        .wait_for(district.id(), WAIT, |m| m.text().contains("Resolved"))
        .await
        .expect("the answer ends it for everyone alerted");
}
