//! WeCom (企业微信) as a second channel, end to end: the real bot with `[wecom]` against the
//! WeCom simulator (signed, encrypted callbacks to `/wecom`; the app's messages, cards and
//! group robots) beside Telegram's, on a clock the test drives.

use crate::common::{hhmm, is_reminder, Backend, TestBot, TestClock, WAIT};
use lookout::channel::{wecom_address, WecomKind};
use lookout::config::Config;
use lookout::notice::Notice;
use lookout::org::Role;
use lookout::sim::wecom::WecomMessage;
use lookout::store::Outgoing;

both_backends!(
    a_morning_over_wecom_with_cards_and_an_escalation_taken,
    tips_in_wecom_are_pointed_to_telegram,
    wecom_faults_lose_nothing_and_repeat_nothing,
    a_robot_duty_room_and_a_restart_with_messages_waiting,
);

fn morning() -> Config {
    let text = "[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
         deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\nnag = \"80%\"\nescalate = [\"0s\", \"30m\"]\n";
    Config::parse(text, "test.toml").expect("test config")
}

fn seven_am() -> TestClock {
    TestClock::at("2026-11-16 07:00")
}

const REMIND: &str = "sched:zero_report.remind";
const DEADLINE: &str = "sched:zero_report.deadline";

fn has_card(m: &WecomMessage) -> bool {
    m.card.as_ref().is_some_and(|c| !c.buttons.is_empty())
}

async fn a_morning_over_wecom_with_cards_and_an_escalation_taken(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, morning(), seven_am()).await;
    let w = bot.wecom();
    // 李家村's officer and the district's supervisor are on WeCom; 南郊镇's on Telegram.
    let li = w.user("lisi", "李四");
    let boss = w.user("wangwu", "王五");
    let silent = bot.sim.user(44, "南郊值班员", Some("zh"));
    bot.join_wecom(&li, "lijia", Role::DutyOfficer).await;
    bot.join_wecom(&boss, "zhoucun", Role::Supervisor).await;
    bot.join(&silent, "nanjiao", Role::DutyOfficer).await;
    let welcome = li.messages();
    assert!(welcome[0].text.contains("李家村"), "{welcome:?}");
    let help = bot.ask_wecom(&li, "/help").await;
    assert!(help.text.contains("/zero"), "{}", help.text);

    // The reminder is a card in the app; pressing its button answers, and the card shows it.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    let card = w
        .wait_for("lisi", has_card, WAIT)
        .await
        .expect("the reminder as a card");
    assert!(card.text.contains("李家村"), "{}", card.text);
    let key = card
        .button("✅ 零报告（无情况）")
        .expect("the nothing button");
    let task = card.card.as_ref().expect("card").task_id.clone();
    assert!(li.press(&task, &key).await.delivered());
    let updated = w
        .wait_for("lisi", |m| m.updates > 0, WAIT)
        .await
        .unwrap_or_else(|| panic!("the card updated: {:?} {:?}", li.messages(), w.stats()));
    assert!(updated.text.contains("已报送"), "{updated:?}");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'lijia'")
            .await,
        1
    );
    // The same press again (WeCom retried it) changes nothing.
    assert!(li.press(&task, &key).await.delivered());
    bot.quiesce().await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'lijia'")
            .await,
        1
    );

    // 南郊镇 stays silent: at the deadline the district's supervisor gets an alert card in
    // WeCom, and takes it from there.
    assert!(bot.sim.sent(silent.id()).iter().any(is_reminder));
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    let alert = w
        .wait_for("wangwu", |m| has_card(m) && m.text.contains("南郊镇"), WAIT)
        .await
        .expect("the escalation as a card");
    let c = alert.card.as_ref().expect("card");
    let key = alert.button("✅ 我来处理").expect("the take button");
    assert!(boss.press(&c.task_id, &key).await.delivered());
    // As on Telegram, the alert stays and the presser is told it is theirs.
    let taken = w
        .wait_for("wangwu", |m| m.text.starts_with("已由您跟进"), WAIT)
        .await
        .unwrap_or_else(|| panic!("the take confirmed: {:?}", boss.messages()));
    assert!(taken.text.contains("南郊镇"), "{}", taken.text);
    bot.quiesce().await;
    let acked = "SELECT COUNT(*) FROM escalations WHERE acked_by IS NOT NULL";
    assert_eq!(bot.count(acked).await, 1, "the press took the alert");
    // Nothing was dropped by WeCom's limits. The token was fetched once, and once more when
    // WeCom said it had expired (the clock passed its two hours between 08:00 and 10:00).
    assert_eq!(w.dropped(), 0);
    assert_eq!(w.token_fetches(), 2);
}

async fn tips_in_wecom_are_pointed_to_telegram(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    let stranger = w.user("zhaoliu", "赵六");
    let reply = bot.ask_wecom(&stranger, "/tip").await;
    assert!(
        reply.text.contains("匿名") && reply.text.contains("https://t.me/"),
        "{}",
        reply.text
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM tips").await, 0);
    assert_eq!(bot.count("SELECT COUNT(*) FROM tip_chats").await, 0);
}

/// A text to `chat` as the bot queues it for WeCom.
fn text_to(key: &str, chat: i64, text: &str) -> Outgoing {
    lookout::wecom::render::wecom(&Notice::text(key.into(), chat, text.into()))
}

/// The addresses of these members or robots, known to the store as the bot learns them.
async fn addresses(bot: &TestBot, kind: WecomKind, ids: &[&str]) -> Vec<i64> {
    let mut tx = bot.store.begin().await.expect("tx");
    let mut out = Vec::new();
    for id in ids {
        out.push(tx.remember_wecom(kind, id).await.expect("address"));
    }
    tx.commit().await.expect("commit");
    out
}

async fn wecom_faults_lose_nothing_and_repeat_nothing(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    let ids = ["m1", "m2", "m3", "m4", "m5"];
    for id in ids {
        w.user(id, id);
    }
    // Someone who left the enterprise: WeCom names them invalid.
    let gone = w.user("gone", "离职者");
    bot.join_wecom(&gone, "lijia", Role::DutyOfficer).await;
    w.remove_user("gone");
    // WeCom fails a few calls with 502 and a few with "system busy".
    w.fail_next(3, 502);
    w.errcode_next(3, -1);
    let chats = addresses(&bot, WecomKind::Member, &ids).await;
    let gone_chat = wecom_address(WecomKind::Member, "gone");
    let mut batch = Vec::new();
    for n in 0..3 {
        for (id, chat) in ids.iter().zip(&chats) {
            batch.push(text_to(
                &format!("t.{id}.{n}"),
                *chat,
                &format!("msg {n} to {id}"),
            ));
        }
        batch.push(text_to(&format!("t.gone.{n}"), gone_chat, "never arrives"));
    }
    // Queued twice, sent once.
    bot.store.enqueue(&batch, 0).await.expect("enqueue");
    bot.store.enqueue(&batch, 0).await.expect("enqueue again");
    for id in ids {
        let three = |m: &WecomMessage| m.text == format!("msg 2 to {id}");
        w.wait_for(id, three, WAIT).await.expect("all three arrive");
        let texts: Vec<String> = w.messages_to(id).into_iter().map(|m| m.text).collect();
        let want: Vec<String> = (0..3).map(|n| format!("msg {n} to {id}")).collect();
        assert_eq!(texts, want, "in order, once");
    }
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'", 3)
        .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM people WHERE unreachable")
            .await,
        1,
        "the member WeCom does not know is unreachable"
    );
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    assert_eq!(w.dropped(), 0);
}

async fn a_robot_duty_room_and_a_restart_with_messages_waiting(b: Backend) {
    let mut bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom().clone();
    w.add_robot("robot-key-lijia-0001");
    let out = crate::common::lookout(
        &bot.db.url,
        &[
            "room",
            "--unit",
            "lijia",
            "--wecom-robot",
            "robot-key-lijia-0001",
        ],
    );
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stdout(&out).contains("李家村"));
    let room = wecom_address(WecomKind::Robot, "robot-key-lijia-0001");
    let unit: Option<i64> = bot
        .scalar("SELECT duty_chat_id FROM units WHERE id = 'lijia'")
        .await;
    assert_eq!(unit, Some(room));
    // The key is no one's business but the sender's: not in the audit trail.
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM admin_events WHERE detail LIKE '%robot-key%'")
            .await,
        0
    );

    // WeCom is down: posts and messages wait in the outbox, and go once after a restart.
    w.fail_next(u32::MAX, 500);
    let member = addresses(&bot, WecomKind::Member, &["m1"]).await[0];
    w.user("m1", "m1");
    let batch = vec![
        text_to("r.1", room, "值班室通知"),
        text_to("m.1", member, "个人通知"),
    ];
    bot.store.enqueue(&batch, 0).await.expect("enqueue");
    bot.notify();
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND attempts > 0",
        2,
    )
    .await;
    bot.settle().await;
    bot.kill();
    w.fail_next(0, 500);
    bot.start().await;
    w.wait_for_robot("robot-key-lijia-0001", |m| m.text == "值班室通知", WAIT)
        .await
        .expect("the robot's post after the restart");
    w.wait_for("m1", |m| m.text == "个人通知", WAIT)
        .await
        .expect("the member's message after the restart");
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    assert_eq!(w.robot_messages("robot-key-lijia-0001").len(), 1);
    assert_eq!(w.messages_to("m1").len(), 1);

    // A robot removed from its group: the duty room is unreachable, as a Telegram group the
    // bot was removed from.
    let gone = text_to("r.2", room, "无人接收");
    w.remove_robot("robot-key-lijia-0001");
    bot.store.enqueue(&[gone], 0).await.expect("enqueue");
    bot.notify();
    bot.wait_count("SELECT COUNT(*) FROM units WHERE duty_chat_unreachable", 1)
        .await;
    // --clear leaves the unit without a duty room.
    let out = crate::common::lookout(&bot.db.url, &["room", "--unit", "lijia", "--clear"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let unit: Option<i64> = bot
        .scalar("SELECT duty_chat_id FROM units WHERE id = 'lijia'")
        .await;
    assert_eq!(unit, None);
}
