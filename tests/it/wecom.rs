//! WeCom (企业微信) as a second channel, end to end: the real bot with `[wecom]` against the
//! WeCom simulator (signed, encrypted callbacks to `/wecom`; the app's messages, cards and
//! group robots) beside Telegram's, on a clock the test drives.

use crate::common::{hhmm, is_reminder, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::wecom::WecomMessage;

both_backends!(
    a_morning_over_wecom_with_cards_and_an_escalation_taken,
    tips_in_wecom_are_pointed_to_telegram,
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
