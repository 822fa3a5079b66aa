//! Warnings with call and respond (PRODUCT.md "Warnings"): issuing, delivery, confirmation,
//! the tally, the resend and escalation of the silent, the end, the figures; on both backends.

use crate::common::{self, Backend, TestBot, TestClock, WAIT};
use lookout::config::{Config, Span};
use lookout::org::Role;
use lookout::sim::{SentMessage, SimConfig, SimGroup, SimUser};
use std::time::Duration;

/// The town's people: its supervisor (who warns), its duty officer, a village duty officer
/// and grid worker below it, the town's duty room, and another town's supervisor.
struct Town {
    lead: SimUser,
    officer: SimUser,
    village: SimUser,
    worker: SimUser,
    other: SimUser,
    room: i64,
    group: SimGroup,
    room_member: SimUser,
}

async fn town(bot: &TestBot) -> Town {
    let lead = bot.sim.user(11, "Lead", Some("zh"));
    let officer = bot.sim.user(12, "Officer", Some("zh"));
    let village = bot.sim.user(13, "Villager", Some("en"));
    let worker = bot.sim.user(14, "Worker", Some("zh"));
    let other = bot.sim.user(15, "Other", Some("zh"));
    let room_member = bot.sim.user(16, "Roomy", Some("zh"));
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&officer, "wangcun", Role::DutyOfficer).await;
    bot.join(&village, "lijia", Role::DutyOfficer).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&other, "nanjiao", Role::Supervisor).await;
    let room = bot.sim.group(-200, "王村镇值班室");
    officer.in_group(&room).send_text("/bind wangcun");
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.text().contains("王村镇"))
        .await
        .expect("room bound");
    Town {
        lead,
        officer,
        village,
        worker,
        other,
        room: room.id(),
        group: room,
        room_member,
    }
}

/// The copy of warning `id` in this chat (with its Received button), once it arrived.
async fn copy_of(bot: &TestBot, chat: i64, id: i64) -> SentMessage {
    let data = format!("wok:{id}");
    bot.sim
        .wait_for(chat, WAIT, |m| m.button_data().contains(&data))
        .await
        .expect("a copy of the warning")
}

/// The answers to this user's presses, once there are `n`.
async fn answers(user: &SimUser, n: usize) -> Vec<(String, Option<String>)> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = user.callback_answers();
        if got.len() >= n {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} answers: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn config(confirm_within: Span) -> Config {
    let mut c = Config::default();
    c.warning.confirm_within = confirm_within;
    c.warning.escalate = vec![Span::ZERO, Span::minutes(10)];
    c
}

async fn issued_to_everyone_below_confirmed_once_and_tallied(b: Backend) {
    let clock = TestClock::at("2026-12-01 09:00");
    let bot = TestBot::spawn_fast_on(b, config(Span::minutes(10)), clock).await;
    let t = town(&bot).await;
    let reply = bot
        .ask(
            &t.lead,
            "/warn wangcun red 今日森林火险等级极高，严禁野外用火",
        )
        .await;
    assert!(
        reply.text().contains("W-1") && reply.text().contains(" 4 "),
        "{}",
        reply.text()
    );
    // Everyone with a role in the town or below it, and the town's duty room: not the other
    // town, and not the issuer (who follows the tally).
    for chat in [t.officer.id(), t.village.id(), t.worker.id(), t.room] {
        let c = copy_of(&bot, chat, 1).await;
        assert!(
            c.text().contains("W-1") && c.text().contains("王村镇"),
            "{}",
            c.text()
        );
    }
    let english = copy_of(&bot, t.village.id(), 1).await;
    assert!(english.text().contains("Red warning"), "{}", english.text());
    assert!(copy_of(&bot, t.officer.id(), 1)
        .await
        .text()
        .contains("红色预警"));
    bot.quiesce().await;
    for chat in [t.other.id(), t.lead.id()] {
        assert!(!bot
            .sim
            .sent(chat)
            .iter()
            .any(|m| m.button_data().contains(&"wok:1".to_string())));
    }
    let tally = reply;
    assert!(tally.text().contains("0/4"), "{}", tally.text());

    // A press confirms once; the copy shows it; a second press is told so.
    let copy = copy_of(&bot, t.village.id(), 1).await;
    t.village.press(&copy, "wok:1");
    bot.sim
        .wait_for(t.village.id(), WAIT, |m| {
            m.message_id == copy.message_id && m.buttons.is_empty()
        })
        .await
        .expect("the copy shows the confirmation");
    t.village.press(&copy, "wok:1");
    let answers = answers(&t.village, 2).await;
    assert!(
        answers[1]
            .1
            .as_deref()
            .is_some_and(|a| a.contains("already")),
        "{answers:?}"
    );
    // In the duty room any member's press confirms for the room, and names them.
    let room_copy = copy_of(&bot, t.room, 1).await;
    t.room_member.in_group(&t.group).press(&room_copy, "wok:1");
    bot.sim
        .wait_for(t.room, WAIT, |m| {
            m.message_id == room_copy.message_id && m.text().contains("Roomy")
        })
        .await
        .expect("the room's copy names who confirmed");
    // `/ok W-1` works as the button does.
    let ok = bot.ask(&t.worker, "/ok W-1").await;
    assert!(ok.text().contains("已确认"), "{}", ok.text());
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM warning_recipients WHERE state = 'confirmed'")
            .await,
        3
    );
    // The tally is edited at the end of its slot, with all three.
    bot.advance(Duration::from_secs(4)).await;
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| {
            m.message_id == tally.message_id && m.text().contains("3/4")
        })
        .await
        .expect("the tally is kept up to date");

    // Refusals change nothing.
    let before = bot.count("SELECT COUNT(*) FROM warnings").await;
    for (who, text, expect) in [
        (&t.worker, "/warn lijia red x", "只有带班领导"),
        (&t.other, "/warn wangcun red 测试", "无权"),
        (&t.lead, "/warn wangcun purple 测试", "无法识别级别"),
        (&t.lead, "/warn wangcun red", "用法"),
        (&t.lead, "/warn nowhere red 测试", "没有编号"),
        // Another branch's warning reads as one that does not exist.
        (&t.other, "/warn_end W-1", "找不到预警 W-1"),
        (&t.lead, "/ok W-99", "找不到预警 W-99"),
        (&t.other, "/ok W-1", "找不到预警 W-1"),
    ] {
        let got = bot.ask(who, text).await;
        assert!(got.text().contains(expect), "{text}: {}", got.text());
    }
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, before);
}

async fn the_silent_get_it_again_then_their_unit_escalates_naming_them(b: Backend) {
    let clock = TestClock::at("2026-12-01 09:00");
    let bot = TestBot::spawn_fast_on(b, config(Span::minutes(10)), clock).await;
    let t = town(&bot).await;
    bot.ask(&t.lead, "/warn wangcun orange 暴雨预警").await;
    let c = copy_of(&bot, t.officer.id(), 1).await;
    t.officer.press(&c, "wok:1");
    let room_copy = copy_of(&bot, t.room, 1).await;
    t.officer.in_group(&t.group).press(&room_copy, "wok:1");
    bot.wait_count(
        "SELECT COUNT(*) FROM warning_recipients WHERE state = 'confirmed'",
        2,
    )
    .await;
    // After confirm_within the two silent get it again; nobody else does.
    bot.advance(Duration::from_secs(600)).await;
    for silent in [&t.village, &t.worker] {
        bot.sim
            .wait_for(silent.id(), WAIT, |m| {
                (m.text().contains("Reminder") || m.text().contains("再次提醒"))
                    && m.button_data().contains(&"wok:1".to_string())
            })
            .await
            .expect("the warning again");
    }
    let again = |chat: i64| {
        bot.sim
            .sent(chat)
            .iter()
            .filter(|m| m.text().contains("再次提醒") || m.text().contains("Reminder"))
            .count()
    };
    assert_eq!((again(t.officer.id()), again(t.village.id())), (0, 1));
    // After twice that, lijia escalates: it has no supervisor and no room, so its alert goes
    // up to the town's supervisor and room, naming who is silent.
    bot.advance(Duration::from_secs(600)).await;
    let alert = bot
        .sim
        .wait_for(t.lead.id(), WAIT, |m| m.text().contains("叫应"))
        .await
        .expect("the town's supervisor is alerted");
    assert!(
        alert.text().contains("Villager (@villager)") && alert.text().contains("Worker"),
        "{}",
        alert.text()
    );
    assert!(alert.button_data().iter().any(|d| d.starts_with("ack:")));
    // A late confirmation ends that person's part; the last one resolves the alert.
    let c = copy_of(&bot, t.village.id(), 1).await;
    t.village.press(&c, "wok:1");
    bot.wait_count(
        "SELECT COUNT(*) FROM warning_recipients WHERE state = 'confirmed'",
        3,
    )
    .await;
    let args = bot
        .text_of("SELECT what_args FROM escalations WHERE subject = 'warning:1:lijia'")
        .await
        .expect("lijia's alert");
    assert!(
        !args.contains("Villager") && args.contains("Worker"),
        "{args}"
    );
    bot.ask(&t.worker, "/ok W-1").await;
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| m.text().contains("已解决"))
        .await
        .expect("the alert resolves once all have confirmed");
    // The figures: two in time, two late, none waiting.
    let figures = bot.ask(&t.lead, "/warning W-1").await;
    assert!(
        figures.text().contains("按时确认 2") && figures.text().contains("迟确认 2"),
        "{}",
        figures.text()
    );
    // The end: everyone is told; nothing more comes.
    let ended = bot.ask(&t.lead, "/warn_end W-1 雨已停").await;
    assert!(ended.text().contains("已解除"), "{}", ended.text());
    for chat in [t.village.id(), t.worker.id(), t.room] {
        bot.sim
            .wait_for(chat, WAIT, |m| {
                m.text().contains("W-1") && m.text().contains("雨已停")
            })
            .await
            .expect("the all-clear");
    }
    // A press on the old copy (its button is gone, a stale client may still show it).
    let pressed = bot
        .sim
        .sent(t.worker.id())
        .into_iter()
        .find(|m| m.text().contains("暴雨预警"));
    t.worker.press(&pressed.expect("the copy"), "wok:1");
    let last = answers(&t.worker, 1).await;
    assert!(
        last.last()
            .and_then(|a| a.1.as_deref())
            .is_some_and(|a| a.contains("已解除")),
        "{last:?}"
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM timers WHERE grp = 'warning:1' AND state = 'pending'")
            .await,
        0
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM escalations WHERE subject LIKE 'warning:1:%' AND state <> 'resolved'").await,
        0
    );
    // The statistics per unit, and the audit trail with every confirmation.
    let day = ["--from", "2026-12-01", "--to", "2026-12-01"];
    let stats = warning_columns(&bot, &day, "lijia");
    assert_eq!(stats, ["2", "0", "2", "0", "0", "0.0000"]);
    assert_eq!(
        warning_columns(&bot, &day, "wangcun"),
        ["2", "2", "0", "0", "0", "1.0000"]
    );
    let mut args = vec!["audit", "--format", "csv"];
    args.extend(day);
    let audit = common::lookout(&bot.db.url, &args);
    let audit = String::from_utf8_lossy(&audit.stdout);
    let lines = |kind: &str| audit.lines().filter(|l| l.contains(kind)).count();
    assert_eq!(
        (
            lines("warning.issued"),
            lines("warning.confirmed"),
            lines("warning.ended")
        ),
        (1, 4, 1),
        "{audit}"
    );
    assert!(
        audit.lines().any(|l| l.contains("warning.confirmed")
            && l.contains("Officer")
            && l.contains("for the duty room")),
        "{audit}"
    );
}

/// A unit's warning columns of `lookout stats --format csv`.
fn warning_columns(bot: &TestBot, period: &[&str], unit: &str) -> Vec<String> {
    let mut args = vec!["stats", "--format", "csv"];
    args.extend(period);
    let out = common::lookout(&bot.db.url, &args);
    let csv = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = csv.lines().next().unwrap_or_default().split(',').collect();
    let line = csv
        .lines()
        .find(|l| l.starts_with(&format!("{unit},")))
        .unwrap_or_else(|| panic!("{unit} in {csv}"));
    let fields: Vec<&str> = line.split(',').collect();
    [
        "warnings_targeted",
        "warnings_confirmed_in_time",
        "warnings_late",
        "warnings_unconfirmed",
        "warnings_unreachable",
        "warning_response_rate",
    ]
    .iter()
    .map(|c| {
        let i = header.iter().position(|h| h == c).expect("the column");
        fields[i].to_string()
    })
    .collect()
}

async fn a_crash_between_the_send_and_the_resend_still_resends_and_escalates_once(b: Backend) {
    let clock = TestClock::at("2026-12-01 09:00");
    let mut bot = TestBot::spawn_fast_on(b, config(Span::minutes(10)), clock).await;
    let t = town(&bot).await;
    bot.ask(&t.lead, "/warn lijia yellow 大风").await;
    copy_of(&bot, t.village.id(), 1).await;
    bot.settle().await;
    bot.kill();
    bot.start().await;
    bot.advance(Duration::from_secs(600)).await;
    bot.advance(Duration::from_secs(600)).await;
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| m.text().contains("叫应"))
        .await
        .expect("the alert after the restart");
    bot.kill();
    bot.start().await;
    bot.advance(Duration::from_secs(5)).await;
    let count = |chat: i64, what: &'static str| {
        bot.sim
            .sent(chat)
            .iter()
            .filter(|m| m.text().contains(what))
            .count()
    };
    assert_eq!(count(t.village.id(), "Reminder"), 1, "one resend");
    assert_eq!(count(t.worker.id(), "再次提醒"), 1, "one resend");
    assert_eq!(count(t.lead.id(), "叫应"), 1, "one alert");
    // The expiry ends it: the all-clear, and the alert ends.
    bot.advance(Duration::from_secs(24 * 3600)).await;
    bot.sim
        .wait_for(t.worker.id(), WAIT, |m| {
            m.text().contains("解除") && m.text().contains("W-1")
        })
        .await
        .expect("the all-clear at the expiry");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM escalations WHERE state <> 'resolved'")
            .await,
        0
    );
    assert_eq!(
        count(t.worker.id(), "再次提醒"),
        1,
        "nothing more is resent"
    );
}

async fn step_by_step_with_buttons_and_exercises_counted_apart(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let t = town(&bot).await;
    let level = bot.ask(&t.lead, "/warn").await;
    assert_eq!(
        level.buttons[0].len(),
        4,
        "four colours: {:?}",
        level.buttons
    );
    t.lead.press(&level, "wl:blue");
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| m.text().contains("请发送预警内容"))
        .await
        .expect("asks for the text");
    let expiry = bot.ask(&t.lead, "演练：防汛应急").await;
    assert!(
        expiry.button_data().contains(&"wx:6".to_string()),
        "{:?}",
        expiry.buttons
    );
    t.lead.press(&expiry, "wx:6");
    let preview = bot
        .sim
        .wait_for(t.lead.id(), WAIT, |m| m.text().contains("预览"))
        .await
        .expect("a preview");
    assert!(
        preview.text().contains("蓝色") && preview.text().contains("6 小时"),
        "{}",
        preview.text()
    );
    t.lead.press(&preview, "wi:e");
    let copy = copy_of(&bot, t.worker.id(), 1).await;
    assert!(copy.text().contains("【演练】"), "{}", copy.text());
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| {
            m.text().contains("📢") && m.text().contains("【演练】")
        })
        .await
        .expect("the tally");
    let exercise: i64 = bot
        .count("SELECT COUNT(*) FROM warnings WHERE exercise")
        .await;
    assert_eq!(exercise, 1);
    let expires = bot
        .scalar("SELECT expires_at - issued_at FROM warnings WHERE id = 1")
        .await;
    assert_eq!(expires, Some(6 * 3_600_000));
    // A cancelled draft issues nothing.
    bot.ask(&t.lead, "/warn").await;
    let drop = bot.ask(&t.lead, "/cancel").await;
    assert!(
        drop.text().contains("取消") || drop.text().contains("已"),
        "{}",
        drop.text()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 1);
}

async fn unreachable_recipients_are_counted_at_once(b: Backend) {
    let bot = TestBot::spawn_fast(b, config(Span::minutes(10))).await;
    let t = town(&bot).await;
    // One blocked the bot long ago (known), one blocks it now (learned from the send).
    bot.exec(&format!(
        "UPDATE people SET unreachable = TRUE WHERE tg_user_id = {}",
        t.worker.id()
    ))
    .await;
    bot.sim.block_bot(t.village.id());
    bot.ask(&t.lead, "/warn wangcun red 测试").await;
    bot.wait_count(
        "SELECT COUNT(*) FROM warning_recipients WHERE state = 'unreachable'",
        2,
    )
    .await;
    assert!(bot
        .sim
        .sent(t.worker.id())
        .iter()
        .all(|m| !m.text().contains("W-1")));
    bot.sim
        .wait_for(t.lead.id(), WAIT, |m| {
            m.text().contains("📊") && m.text().contains("无法送达 2")
        })
        .await
        .expect("the tally counts both");
}

async fn red_warnings_use_paid_broadcast_when_configured(b: Backend) {
    let mut c = config(Span::minutes(10));
    c.warning.paid_broadcast = true;
    let bot = TestBot::spawn_with(b, SimConfig::default(), c).await;
    let t = town(&bot).await;
    bot.ask(&t.lead, "/warn wangcun yellow 黄色").await;
    copy_of(&bot, t.worker.id(), 1).await;
    assert_eq!(bot.sim.stats().paid_sends, 0, "only red warnings");
    bot.ask(&t.lead, "/warn wangcun red 红色").await;
    for chat in [t.officer.id(), t.village.id(), t.worker.id(), t.room] {
        copy_of(&bot, chat, 2).await;
    }
    assert_eq!(bot.sim.stats().paid_sends, 4);
    assert_eq!(bot.sim.stats().throttled, 0);
}

both_backends!(
    issued_to_everyone_below_confirmed_once_and_tallied,
    the_silent_get_it_again_then_their_unit_escalates_naming_them,
    a_crash_between_the_send_and_the_resend_still_resends_and_escalates_once,
    step_by_step_with_buttons_and_exercises_counted_apart,
    unreachable_recipients_are_counted_at_once,
    red_warnings_use_paid_broadcast_when_configured,
);

/// A CAP example with its expiry moved to six hours from now (the bot refuses expired alerts).
fn cap_file(dir: &std::path::Path, name: &str) -> String {
    let text = std::fs::read_to_string(format!("tests/cap/{name}.xml")).expect("example");
    let expires = (chrono::Utc::now() + chrono::Duration::hours(6)).to_rfc3339();
    let text = match (text.find("<expires>"), text.find("</expires>")) {
        (Some(a), Some(b)) => format!("{}<expires>{expires}{}", &text[..a], &text[b..]),
        _ => text,
    };
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

fn last_line(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().last().unwrap_or_default().to_string()
}

async fn upstream_systems_warn_by_flags_and_cap(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let t = town(&bot).await;
    let db = bot.db.url.clone();
    let run = |args: &[&str]| common::lookout(&db, args);
    let out = run(&[
        "warn",
        "--unit",
        "lijia",
        "--level",
        "orange",
        "--expires",
        "6h",
        "山洪风险",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_line(&out), "W-1");
    let c = copy_of(&bot, t.village.id(), 1).await;
    assert!(
        c.text().contains("周村区") && c.text().contains("山洪风险"),
        "{}",
        c.text()
    );
    assert!(
        bot.sim
            .sent(t.officer.id())
            .iter()
            .all(|m| !m.text().contains("W-1")),
        "only lijia"
    );

    // Mistakes are refused whole, naming what is wrong; nothing is issued.
    let dir = tempfile::tempdir().expect("dir");
    let unknown_area = dir.path().join("mars.xml");
    let issue = std::fs::read_to_string(cap_file(dir.path(), "issue")).expect("read");
    // None of its areas is ours (an alert naming one of ours is issued to that one).
    let mars = issue
        .replace("<value>wangcun</value>", "<value>mars</value>")
        .replace("王村镇", "火星")
        .replace("李家村", "水星");
    std::fs::write(&unknown_area, mars).expect("write");
    let unknown_area = unknown_area.display().to_string();
    let long = "火".repeat(1501);
    let refusals: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--unit".into(),
                "lijia".into(),
                "--level".into(),
                "red".into(),
                long,
            ],
            "at most 1500",
        ),
        (
            vec![
                "--unit".into(),
                "lijia".into(),
                "--level".into(),
                "purple".into(),
                "x".into(),
            ],
            "--level",
        ),
        (
            vec![
                "--unit".into(),
                "nowhere".into(),
                "--level".into(),
                "red".into(),
                "x".into(),
            ],
            "unknown unit",
        ),
        (
            vec!["--cap".into(), "tests/cap/broken-not-xml.xml".into()],
            "not a CAP",
        ),
        (
            vec!["--cap".into(), "tests/cap/broken-no-severity.xml".into()],
            "alert/info/severity",
        ),
        (
            vec![
                "--cap".into(),
                "tests/cap/broken-unknown-severity.xml".into(),
            ],
            "alert/info/severity",
        ),
        (
            vec!["--cap".into(), "tests/cap/broken-no-area.xml".into()],
            "alert/info/area",
        ),
        (vec!["--cap".into(), unknown_area], "火星"),
        (
            vec!["--cap".into(), "tests/cap/issue.xml".into()],
            "has passed",
        ),
    ];
    for (args, expect) in refusals {
        let mut all = vec!["warn"];
        all.extend(args.iter().map(String::as_str));
        let out = run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expect),
            "{args:?}: {err}"
        );
    }
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 1);
    // A Cancel of nothing issued here is ignored, said on stderr; stdout names no warning.
    let out = run(&["warn", "--cap", "tests/cap/cancel.xml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZC-2026-0007"));

    // A CAP Alert: its areas (by geocode, by name) are the targets; a second copy of the same
    // alert issues nothing.
    let issue = cap_file(dir.path(), "issue");
    let out = run(&["warn", "--cap", &issue]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_line(&out), "W-2");
    for chat in [t.officer.id(), t.village.id(), t.worker.id(), t.room] {
        let c = copy_of(&bot, chat, 2).await;
        assert!(c.text().contains("周村区应急管理局"), "{}", c.text());
    }
    assert!(copy_of(&bot, t.worker.id(), 2).await.text().contains("🔴"));
    let again = run(&["warn", "--cap", &issue]);
    assert_eq!(last_line(&again), "W-2");
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 2);
    // An Update ends it and issues the new one to the same people; a Cancel ends that.
    let out = run(&["warn", "--cap", &cap_file(dir.path(), "update")]);
    assert_eq!(
        last_line(&out),
        "W-3",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for chat in [t.officer.id(), t.village.id(), t.worker.id(), t.room] {
        copy_of(&bot, chat, 3).await;
        bot.sim
            .wait_for(chat, WAIT, |m| {
                m.text().contains("W-2") && m.text().contains("W-3")
            })
            .await
            .expect("the old one ends, replaced");
    }
    let out = run(&["warn", "--cap", "tests/cap/cancel.xml"]);
    assert_eq!(
        last_line(&out),
        "W-3",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM warnings WHERE ended_at IS NULL")
            .await,
        1,
        "only W-1 holds"
    );
    // An exercise by CAP status is marked and counted apart.
    let out = run(&["warn", "--cap", &cap_file(dir.path(), "exercise")]);
    assert_eq!(
        last_line(&out),
        "W-4",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(copy_of(&bot, t.officer.id(), 4)
        .await
        .text()
        .contains("【演练】"));
}

both_backends!(upstream_systems_warn_by_flags_and_cap);

async fn warnings_go_ahead_of_routine_messages_already_waiting(b: Backend) {
    let clock = TestClock::at("2026-12-01 09:00");
    let bot = TestBot::spawn_on(b, SimConfig::default(), config(Span::minutes(10)), clock).await;
    let t = town(&bot).await;
    // Telegram's spacing for each recipient's chat after the setup's replies (a second for a
    // person, three for a group) must have passed, or their copies wait for it rightly: the
    // clock moves it for the sender and the simulated Telegram alike.
    bot.advance(Duration::from_millis(3_100)).await;
    // Two seconds of routine messages at Telegram's overall limit, queued before the warning.
    let others: Vec<SimUser> = (0..60)
        .map(|i| bot.sim.user(9_000 + i, "Someone", Some("zh")))
        .collect();
    let routine: Vec<lookout::store::Outgoing> = others
        .iter()
        .map(|u| lookout::store::Outgoing {
            idem_key: format!("routine.{}", u.id()),
            chat_id: u.id(),
            method: "sendMessage".into(),
            payload: serde_json::json!({ "text": "routine" }),
            edit_of: None,
            ephemeral: false,
            urgent: false,
        })
        .collect();
    bot.store
        .enqueue(&routine, bot.now_ms())
        .await
        .expect("queued");
    bot.notify();
    t.lead.send_text("/warn wangcun red 紧急");
    for chat in [t.officer.id(), t.village.id(), t.worker.id(), t.room] {
        copy_of(&bot, chat, 1).await;
    }
    let order = bot.sim.all_sent();
    let last_copy = order
        .iter()
        .rposition(|m| m.button_data().contains(&"wok:1".to_string()))
        .expect("copies");
    // Those the sender had already started before the warning came; the rest waited.
    let routine_before = order[..last_copy]
        .iter()
        .filter(|m| m.text() == "routine")
        .count();
    assert!(
        routine_before < 30,
        "{routine_before} routine messages went before the warning"
    );
    // Every routine message still goes, and none provoked a 429 on the way.
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 'routine.%' AND state = 'sent'",
        60,
    )
    .await;
    assert_eq!(bot.sim.stats().throttled, 0, "429 answers");
}

both_backends!(warnings_go_ahead_of_routine_messages_already_waiting);
