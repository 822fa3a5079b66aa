//! The features over WeCom (企业微信), end to end, beside Telegram in one installation: a
//! hazard with a picture and a place from a WeCom grid worker, worked and closed from cards
//! and typed commands; a red warning to a subtree whose people are on both channels and one
//! of whose duty rooms is a WeCom group robot, confirmed from both and called on (叫应); a
//! roster's handover to a WeCom officer. Duty rooms that are group robots get the text,
//! mention the officers on shift and say what to send in the app instead of each button.
//! The real bot, the WeCom simulator (signed, encrypted callbacks) and Telegram's, on a
//! clock the test drives.
//!
//! A WeCom member's name is their UserID: WeCom's callbacks carry nothing else, so the bot
//! shows `lisi` where Telegram would show a first name.
//!
//! Not kept up to date in WeCom: the issuer's warning tally. It is a text, and WeCom changes
//! only cards, once per code (a press's or the send's); `/warning W-1` shows the figures.

use crate::common::{self, Backend, TestBot, TestClock, WAIT};
use lookout::channel::{wecom_address, WecomKind};
use lookout::config::{Config, Span};
use lookout::org::Role;
use lookout::roster::Entry;
use lookout::sim::wecom::{WecomMessage, WecomUser};

both_backends!(
    a_hazard_from_wecom_with_a_picture_and_a_place_is_worked_to_its_close,
    a_hazard_with_a_picture_reaches_a_robots_room_and_is_answered_in_the_app,
    a_red_warning_to_both_channels_and_a_robot_is_confirmed_and_called_on_as_one,
    a_warning_from_the_command_line_is_answered_for_the_robots_room_in_the_app,
    the_shift_reaches_a_wecom_officer_with_its_reminder_and_handover,
);

/// A small real picture, as a phone would send it: a PNG of a few colours.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(48, 32, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .expect("a PNG");
    bytes
}

fn is_card(m: &WecomMessage) -> bool {
    m.card.as_ref().is_some_and(|c| !c.buttons.is_empty())
}

/// Press the button labelled `label` on the first card of `user` that has it; returns the
/// card as it was.
async fn press(bot: &TestBot, user: &WecomUser, label: &str) -> WecomMessage {
    let card = bot
        .wecom()
        .wait_for(user.userid(), |m| m.button(label).is_some(), WAIT)
        .await
        .unwrap_or_else(|| panic!("a card with {label:?}: {:?}", user.messages()));
    let key = card.button(label).expect("the button");
    let task = card.card.as_ref().expect("a card").task_id.clone();
    assert!(user.press(&task, &key).await.delivered(), "{label} taken");
    card
}

/// The first message to `user` whose text contains `needle`, once it is there.
async fn wecom_text(bot: &TestBot, user: &WecomUser, needle: &str) -> WecomMessage {
    bot.wecom()
        .wait_for(user.userid(), |m| m.text.contains(needle), WAIT)
        .await
        .unwrap_or_else(|| panic!("{needle:?} to {}: {:?}", user.userid(), user.messages()))
}

fn slow_hazards() -> Config {
    let text = "[hazard]\nescalate = [\"1h\"]\nescalate_major = [\"1h\"]\n";
    Config::parse(text, "test.toml").expect("config")
}

async fn a_hazard_from_wecom_with_a_picture_and_a_place_is_worked_to_its_close(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, slow_hazards(), TestClock::at("2026-11-16 09:00")).await;
    let w = bot.wecom();
    // 李家村's grid worker and one of its duty officers are on WeCom, its other duty officer
    // on Telegram; the town's supervisor, who closes, on WeCom.
    let worker = w.user("zhangsan", "张三");
    let officer = w.user("lisi", "李四");
    let lead = w.user("wangwu", "王五");
    let tg_officer = bot.sim.user(61, "电报值班员", Some("zh"));
    bot.join_wecom(&worker, "lijia", Role::GridWorker).await;
    bot.join_wecom(&officer, "lijia", Role::DutyOfficer).await;
    bot.join_wecom(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&tg_officer, "lijia", Role::DutyOfficer).await;

    // A picture starts a report; the category from a card, the text typed, the place sent.
    let picture = png();
    assert!(worker.send_image(picture.clone()).await.delivered());
    press(&bot, &worker, "森林火险").await;
    wecom_text(&bot, &worker, "请用文字描述").await;
    let before = worker.messages().len();
    assert!(worker
        .send_text("水库小路旁电线掉落，枯草很多")
        .await
        .delivered());
    bot.wecom_reply(&worker, before).await;
    let before = worker.messages().len();
    assert!(worker
        .send_location(36.81, 117.95, "李家村水库")
        .await
        .delivered());
    let confirm = bot.wecom_reply(&worker, before).await;
    assert!(
        confirm.text.contains("照片：1 张；位置：已附") && is_card(&confirm),
        "{confirm:?}"
    );
    press(&bot, &worker, "提交（一般隐患）").await;
    wecom_text(&bot, &worker, "已提交隐患 H-1").await;

    // On Telegram: the report with its buttons, the picture (fetched from WeCom, cleaned and
    // uploaded) and the place.
    let report = bot
        .sim
        .wait_for(tg_officer.id(), WAIT, |m| {
            m.text().contains("H-1") && !m.buttons.is_empty()
        })
        .await
        .expect("the report on Telegram");
    assert!(
        report.text().contains("森林火险")
            && report.text().contains("电线掉落")
            && report.text().contains("zhangsan"),
        "{}",
        report.text()
    );
    let photo = bot
        .sim
        .wait_for(tg_officer.id(), WAIT, |m| m.photo.is_some())
        .await
        .expect("the picture on Telegram");
    assert_eq!(photo.text(), "H-1", "captioned with the report's id");
    bot.sim
        .wait_for(tg_officer.id(), WAIT, |m| {
            m.location == Some((36.81, 117.95))
        })
        .await
        .expect("the place on Telegram");
    // In WeCom: a card with the buttons, the picture uploaded as an image, the place.
    let card = w
        .wait_for("lisi", |m| is_card(m) && m.text.contains("H-1"), WAIT)
        .await
        .expect("the report as a card in WeCom");
    assert!(
        card.text.contains("电线掉落") && card.button("✅ 确认").is_some(),
        "{card:?}"
    );
    let image = w
        .wait_for("lisi", |m| m.msgtype == "image", WAIT)
        .await
        .expect("the picture in WeCom");
    let sent = w
        .media(image.media_id.as_deref().expect("a media id"))
        .expect("the uploaded picture");
    assert!(
        sent.starts_with(&[0xFF, 0xD8]) && sent != picture,
        "a re-encoded JPEG, not the member's file"
    );
    wecom_text(&bot, &officer, "36.81000, 117.95000").await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazard_photos").await, 1);

    // Acknowledged from the WeCom card: the card shows it, the reporter is told.
    press(&bot, &officer, "✅ 确认").await;
    w.wait_for("lisi", |m| m.updates > 0 && m.text.contains("H-1"), WAIT)
        .await
        .unwrap_or_else(|| panic!("the card updated: {:?}", officer.messages()));
    wecom_text(&bot, &worker, "H-1 状态更新：已确认（lisi）").await;
    // The presser is told in words (WeCom has no popup) and offered the next step.
    wecom_text(&bot, &officer, "已处理：H-1 现为“已确认”").await;
    let next = wecom_text(&bot, &officer, "整改完成后请点下面的按钮").await;
    assert!(next.button("✅ 整改完成").is_some(), "{next:?}");
    // The Telegram officer's copy shows it too, and a second acknowledgement is refused.
    bot.sim
        .wait_for(tg_officer.id(), WAIT, |m| {
            m.message_id == report.message_id && m.edits > 0
        })
        .await
        .expect("the Telegram card edited");
    assert!(bot
        .ask(&tg_officer, "/ack H-1")
        .await
        .text()
        .contains("不能进行此操作"));

    // Worked on, typed in WeCom; rectified from the next card; closed from the lead's card.
    let working = bot.ask_wecom(&officer, "/work H-1 已联系供电所").await;
    assert!(working.text.contains("整改中"), "{}", working.text);
    wecom_text(&bot, &worker, "整改中").await;
    press(&bot, &officer, "✅ 整改完成").await;
    wecom_text(&bot, &worker, "已整改").await;
    let verify = wecom_text(&bot, &lead, "请验收").await;
    assert!(is_card(&verify), "{verify:?}");
    press(&bot, &lead, "✅ 验收销号").await;
    wecom_text(&bot, &worker, "已验收销号").await;
    bot.quiesce().await;
    assert_eq!(
        bot.text_of("SELECT state FROM hazards WHERE id = 1").await,
        Some("closed".into())
    );
    let history = bot.ask_wecom(&worker, "/report H-1").await;
    for step in [
        "已上报",
        "已确认",
        "整改中",
        "已联系供电所",
        "已整改",
        "已验收销号",
    ] {
        assert!(history.text.contains(step), "{step}: {}", history.text);
    }
    assert_eq!(w.dropped(), 0);
}

/// 南郊镇's duty room is a WeCom group robot: a report with a picture and a place is posted
/// there whole (the picture as the robot's image), mentioning its officer, who answers in the
/// app with the command the post names.
async fn a_hazard_with_a_picture_reaches_a_robots_room_and_is_answered_in_the_app(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, slow_hazards(), TestClock::at("2026-11-16 09:00")).await;
    let w = bot.wecom();
    let worker = w.user("zhangsan", "张三");
    let officer = w.user("lisi", "李四");
    bot.join_wecom(&worker, "nanjiao", Role::GridWorker).await;
    bot.join_wecom(&officer, "nanjiao", Role::DutyOfficer).await;
    let key = "nanjiao-robot-9a41c3d2";
    w.add_robot(key);
    let room = common::lookout(
        &bot.db.url,
        &["room", "--unit", "nanjiao", "--wecom-robot", key],
    );
    assert!(room.status.success(), "{}", common::stderr(&room));

    assert!(worker.send_image(png()).await.delivered());
    // Nine categories are more buttons than a card holds (six): they come on two cards, and
    // the last of them can be chosen as any other.
    let categories = w
        .wait_for("zhangsan", |m| m.button("防汛").is_some(), WAIT)
        .await
        .unwrap_or_else(|| panic!("every category offered: {:?}", worker.messages()));
    let first = w
        .wait_for("zhangsan", |m| m.button("森林火险").is_some(), WAIT)
        .await
        .expect("the first card");
    let sizes = [&first, &categories].map(|m| m.card.as_ref().map_or(0, |c| c.buttons.len()));
    assert_eq!(sizes, [6, 3]);
    press(&bot, &worker, "防汛").await;
    wecom_text(&bot, &worker, "请用文字描述").await;
    let before = worker.messages().len();
    assert!(worker
        .send_text("排洪沟被垃圾堵塞，雨天会漫水")
        .await
        .delivered());
    bot.wecom_reply(&worker, before).await;
    let before = worker.messages().len();
    assert!(worker.send_location(36.7, 118.0, "").await.delivered());
    bot.wecom_reply(&worker, before).await;
    press(&bot, &worker, "提交（一般隐患）").await;
    wecom_text(&bot, &worker, "已提交隐患 H-1").await;

    let report = w
        .wait_for_robot(
            key,
            |m| m.text.contains("H-1") && m.text.contains("排洪沟"),
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("the report in the room: {:?}", w.robot_messages(key)));
    assert!(
        report.text.contains("防汛") && report.text.contains("请在应用中发送 /ack H-1"),
        "{report:?}"
    );
    assert_eq!(report.mentioned, vec!["lisi".to_string()]);
    let image = w
        .wait_for_robot(key, |m| m.msgtype == "image", WAIT)
        .await
        .unwrap_or_else(|| panic!("the picture in the room: {:?}", w.robot_messages(key)));
    let posted = w
        .media(image.media_id.as_deref().expect("the image's bytes kept"))
        .expect("the posted picture");
    assert!(posted.starts_with(&[0xFF, 0xD8]), "a cleaned JPEG");
    w.wait_for_robot(key, |m| m.text.contains("36.70000, 118.00000"), WAIT)
        .await
        .expect("the place in the room");
    bot.quiesce().await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM units WHERE duty_chat_unreachable")
            .await,
        0,
        "the room is reachable"
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")
            .await,
        0
    );

    let acked = bot.ask_wecom(&officer, "/ack H-1").await;
    assert!(acked.text.contains("已确认"), "{}", acked.text);
    wecom_text(&bot, &worker, "H-1 状态更新：已确认（lisi）").await;
    assert_eq!(w.dropped(), 0);
}

/// 王村镇's duty room: a WeCom group robot, by its webhook key.
const ROBOT: &str = "wangcun-robot-5e1f0c2a";

fn warnings() -> Config {
    let mut c = Config::default();
    c.warning.confirm_within = Span::minutes(10);
    c.warning.escalate = vec![Span::ZERO, Span::minutes(10)];
    c
}

/// The copy of warning `id` to a WeCom member (a card with its Received button), once there.
async fn wecom_copy(bot: &TestBot, user: &WecomUser, id: i64) -> WecomMessage {
    let key = format!("wok:{id}");
    bot.wecom()
        .wait_for(
            user.userid(),
            |m| {
                m.card
                    .as_ref()
                    .is_some_and(|c| c.buttons.iter().any(|b| b.1 == key))
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|| {
            panic!(
                "a copy of W-{id} to {}: {:?}",
                user.userid(),
                user.messages()
            )
        })
}

async fn a_red_warning_to_both_channels_and_a_robot_is_confirmed_and_called_on_as_one(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, warnings(), TestClock::at("2026-12-01 09:00")).await;
    let w = bot.wecom();
    // 王村镇: its supervisor (who warns) and a duty officer on WeCom, another duty officer on
    // Telegram, its duty room a WeCom group robot. 李家村 below it: a duty officer and a grid
    // worker on WeCom, a grid worker on Telegram. 南郊镇's supervisor is outside the subtree.
    let lead = w.user("wangwu", "王五");
    let officer = w.user("lisi", "李四");
    let village = w.user("zhaoliu", "赵六");
    let silent = w.user("sunqi", "孙七");
    let other = w.user("zhouba", "周八");
    let tg_officer = bot.sim.user(71, "Officer", Some("zh"));
    let tg_worker = bot.sim.user(72, "Worker", Some("zh"));
    bot.join_wecom(&lead, "wangcun", Role::Supervisor).await;
    bot.join_wecom(&officer, "wangcun", Role::DutyOfficer).await;
    bot.join_wecom(&village, "lijia", Role::DutyOfficer).await;
    bot.join_wecom(&silent, "lijia", Role::GridWorker).await;
    bot.join_wecom(&other, "nanjiao", Role::Supervisor).await;
    bot.join(&tg_officer, "wangcun", Role::DutyOfficer).await;
    bot.join(&tg_worker, "lijia", Role::GridWorker).await;
    w.add_robot(ROBOT);
    let room = common::lookout(
        &bot.db.url,
        &["room", "--unit", "wangcun", "--wecom-robot", ROBOT],
    );
    assert!(room.status.success(), "{}", common::stderr(&room));

    // Issued in WeCom: six recipients (not the issuer, not the other town).
    let tally = bot
        .ask_wecom(
            &lead,
            "/warn wangcun red 今日森林火险等级极高，严禁野外用火",
        )
        .await;
    assert!(
        tally.text.contains("W-1") && tally.text.contains("0/6"),
        "{}",
        tally.text
    );
    // The robot posts the text, mentions the officer on shift who is in WeCom, and says how
    // to answer, since its group has no buttons.
    let post = w
        .wait_for_robot(ROBOT, |m| m.text.contains("W-1"), WAIT)
        .await
        .expect("the robot posts the warning");
    assert!(
        post.text.contains("红色预警") && post.text.contains("严禁野外用火"),
        "{post:?}"
    );
    assert!(post.text.contains("/ok W-1"), "how to answer: {post:?}");
    assert_eq!(post.mentioned, vec!["lisi".to_string()]);
    // Cards in WeCom, messages with the button on Telegram; nothing to the other town.
    for u in [&officer, &village, &silent] {
        let copy = wecom_copy(&bot, u, 1).await;
        assert!(copy.text.contains("红色预警"), "{copy:?}");
    }
    for u in [&tg_officer, &tg_worker] {
        bot.sim
            .wait_for(u.id(), WAIT, |m| {
                m.button_data().contains(&"wok:1".to_string())
            })
            .await
            .expect("the copy on Telegram");
    }
    bot.quiesce().await;
    assert!(other.messages().iter().all(|m| !m.text.contains("W-1")));

    // Confirmed from a WeCom card, from Telegram, and typed in WeCom: one tally.
    let copy = wecom_copy(&bot, &officer, 1).await;
    let task = copy.card.as_ref().expect("card").task_id.clone();
    assert!(officer.press(&task, "wok:1").await.delivered());
    w.wait_for(
        "lisi",
        |m| m.updates > 0 && m.text.contains("已确认收到"),
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("the card shows it: {:?}", officer.messages()));
    let tg_copy = bot
        .sim
        .wait_for(tg_officer.id(), WAIT, |m| {
            m.button_data().contains(&"wok:1".to_string())
        })
        .await
        .expect("the copy");
    tg_officer.press(&tg_copy, "wok:1");
    let ok = bot.ask_wecom(&village, "/ok W-1").await;
    assert!(ok.text.contains("已确认收到 W-1"), "{}", ok.text);
    // A card nobody pressed shows a typed confirmation too (by the code its send gave).
    w.wait_for(
        "zhaoliu",
        |m| m.updates > 0 && m.text.contains("已确认收到（"),
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("the typed answer on the card: {:?}", village.messages()));
    // The robot's group answered through its officer in the app (the press of the one on
    // Telegram came second for it).
    let confirmed = "SELECT COUNT(*) FROM warning_recipients WHERE state = 'confirmed'";
    bot.wait_count(confirmed, 4).await;
    let robot = wecom_address(WecomKind::Robot, ROBOT);
    let by = bot
        .text_of(&format!(
            "SELECT confirmed_name FROM warning_recipients WHERE chat_id = {robot} AND state = 'confirmed'"
        ))
        .await;
    assert_eq!(by.as_deref(), Some("lisi"));
    let figures = bot.ask_wecom(&lead, "/warning W-1").await;
    assert!(
        figures.text.contains("按时确认 4") && figures.text.contains("sunqi"),
        "{}",
        figures.text
    );

    // 叫应: after confirm_within the two silent get it again, in their channels; after twice
    // that, 李家村 (no supervisor, no room) is called on from the town: its supervisor in
    // WeCom and its robot, naming the silent WeCom user and the silent Telegram one.
    bot.advance(std::time::Duration::from_secs(600)).await;
    w.wait_for(
        "sunqi",
        |m| m.text.contains("再次提醒") && m.button("✅ 收到").is_some(),
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("the warning again: {:?}", silent.messages()));
    bot.sim
        .wait_for(tg_worker.id(), WAIT, |m| m.text().contains("再次提醒"))
        .await
        .expect("the warning again on Telegram");
    assert!(
        officer
            .messages()
            .iter()
            .all(|m| !m.text.contains("再次提醒")),
        "the confirmed are left alone"
    );
    bot.advance(std::time::Duration::from_secs(600)).await;
    let alert = w
        .wait_for(
            "wangwu",
            |m| m.text.contains("叫应") && m.button("✅ 我来处理").is_some(),
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("the town's supervisor called on: {:?}", lead.messages()));
    assert!(
        alert.text.contains("sunqi") && alert.text.contains("Worker"),
        "{alert:?}"
    );
    let called = w
        .wait_for_robot(ROBOT, |m| m.text.contains("叫应"), WAIT)
        .await
        .expect("the robot is told too");
    assert!(
        called.text.contains("sunqi") && called.text.contains("请在应用中发送 /ack E-"),
        "{called:?}"
    );
    assert_eq!(called.mentioned, vec!["lisi".to_string()]);

    // Late confirmations from both channels end the call.
    let again = w
        .wait_for("sunqi", |m| m.text.contains("再次提醒"), WAIT)
        .await
        .expect("the resent copy");
    let task = again.card.as_ref().expect("card").task_id.clone();
    assert!(silent.press(&task, "wok:1").await.delivered());
    bot.wait_count(confirmed, 5).await;
    let late = bot.ask(&tg_worker, "/ok W-1").await;
    assert!(late.text().contains("迟确认"), "{}", late.text());
    w.wait_for("wangwu", |m| m.text.contains("已解决"), WAIT)
        .await
        .unwrap_or_else(|| panic!("the call resolves: {:?}", lead.messages()));
    let figures = bot.ask_wecom(&lead, "/warning W-1").await;
    assert!(
        figures.text.contains("按时确认 4") && figures.text.contains("迟确认 2"),
        "{}",
        figures.text
    );
    assert_eq!(w.dropped(), 0);
}

/// `lookout warn` (an upstream system) to 李家村, whose duty room is a WeCom group robot: its
/// duty officer in WeCom answers `/ok W-1` in the app, for himself and for the room.
async fn a_warning_from_the_command_line_is_answered_for_the_robots_room_in_the_app(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, warnings(), TestClock::now()).await;
    let w = bot.wecom();
    let officer = w.user("lisi", "李四");
    let worker = bot.sim.user(73, "Worker", Some("en"));
    bot.join_wecom(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    let key = "lijia-robot-0b7d11e9";
    w.add_robot(key);
    let room = common::lookout(
        &bot.db.url,
        &["room", "--unit", "lijia", "--wecom-robot", key],
    );
    assert!(room.status.success(), "{}", common::stderr(&room));
    // Longer than the 2,048 bytes a WeCom text holds: the robot's post is cut, its answer
    // line kept.
    let text = format!(
        "山洪预警，立即转移。{}",
        "沿河村组人员立即撤离到安全地带，".repeat(60)
    );
    let warn = ["warn", "--unit", "lijia", "--level", "red", &text];
    let issued = common::lookout(&bot.db.url, &warn);
    assert!(issued.status.success(), "{}", common::stderr(&issued));
    assert_eq!(common::stdout(&issued).lines().last(), Some("W-1"));
    bot.notify();
    let post = w
        .wait_for_robot(key, |m| m.text.contains("W-1"), WAIT)
        .await
        .expect("the robot posts it");
    assert!(
        post.text.contains("山洪预警")
            && post.text.contains("…")
            && post.text.ends_with("/ok W-1")
            && post.text.len() <= 2048,
        "{post:?}"
    );
    assert_eq!(post.mentioned, vec!["lisi".to_string()]);
    wecom_copy(&bot, &officer, 1).await;
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.button_data().contains(&"wok:1".to_string())
        })
        .await
        .expect("the copy on Telegram");

    let ok = bot.ask_wecom(&officer, "/ok W-1").await;
    assert!(ok.text.contains("已确认收到 W-1"), "{}", ok.text);
    let robot = wecom_address(WecomKind::Robot, key);
    let state = |chat: i64| {
        format!("SELECT COUNT(*) FROM warning_recipients WHERE chat_id = {chat} AND state = 'confirmed'")
    };
    bot.wait_count(&state(robot), 1).await;
    bot.wait_count(&state(wecom_address(WecomKind::Member, "lisi")), 1)
        .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")
            .await,
        0
    );
    // The Telegram worker is not an officer: his Received is his alone.
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM warning_recipients WHERE state = 'waiting'")
            .await,
        1
    );
}

/// A morning's round (08:00 to 10:00) and shifts from 08:30, as in tests/it/roster.rs.
fn shifts() -> Config {
    let text =
        "[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
         deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\nnag = \"80%\"\n\
         escalate = [\"0s\", \"30m\"]\n[roster]\nshift_start = \"08:30\"\n";
    Config::parse(text, "test.toml").expect("test config")
}

async fn person(bot: &TestBot, userid: &str) -> i64 {
    let chat = wecom_address(WecomKind::Member, userid);
    bot.scalar(&format!("SELECT id FROM people WHERE tg_user_id = {chat}"))
        .await
        .expect("a person")
}

/// 李家村 keeps a roster: 赵六 the night before, 李四 from 08:30, both in WeCom; its other duty
/// officer, on Telegram, is on neither shift. Its duty room is a WeCom group robot. Nobody is
/// planned for the 17th.
async fn the_shift_reaches_a_wecom_officer_with_its_reminder_and_handover(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, shifts(), TestClock::at("2026-11-16 07:00")).await;
    let w = bot.wecom();
    let incoming = w.user("lisi", "李四");
    let outgoing = w.user("zhaoliu", "赵六");
    let lead = w.user("wangwu", "王五");
    let off = bot.sim.user(74, "Off Shift", Some("en"));
    bot.join_wecom(&incoming, "lijia", Role::DutyOfficer).await;
    bot.join_wecom(&outgoing, "lijia", Role::DutyOfficer).await;
    bot.join_wecom(&lead, "lijia", Role::Supervisor).await;
    bot.join(&off, "lijia", Role::DutyOfficer).await;
    let key = "lijia-robot-77c2e0aa";
    w.add_robot(key);
    let room = common::lookout(
        &bot.db.url,
        &["room", "--unit", "lijia", "--wecom-robot", key],
    );
    assert!(room.status.success(), "{}", common::stderr(&room));
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
    let entries = vec![
        Entry {
            day: day("2026-11-15"),
            unit_id: "lijia".into(),
            role: Role::DutyOfficer,
            person_id: person(&bot, "zhaoliu").await,
        },
        Entry {
            day: day("2026-11-16"),
            unit_id: "lijia".into(),
            role: Role::DutyOfficer,
            person_id: person(&bot, "lisi").await,
        },
    ];
    let mut tx = bot.store.begin().await.expect("tx");
    tx.replace_roster(&entries).await.expect("roster");
    tx.commit().await.expect("commit");
    // A warning the incoming officer has not confirmed yet is handed over too.
    let tally = bot.ask_wecom(&lead, "/warn lijia yellow 今晚大风").await;
    assert!(tally.text.contains("W-1"), "{}", tally.text);

    // 08:00, still the night's shift: the reminder goes to the room, mentioning 赵六, and to
    // him privately as a card; not to 李四, not to the officer off shift.
    assert_eq!(
        common::hhmm(bot.advance_to_timer("sched:zero_report.remind").await),
        "08:00"
    );
    let remind = |m: &lookout::sim::wecom::RobotMessage| m.text.contains("零报告");
    let post = w
        .wait_for_robot(key, remind, WAIT)
        .await
        .expect("the room is reminded");
    assert_eq!(post.mentioned, vec!["zhaoliu".to_string()]);
    assert!(post.text.contains("请在应用中发送 /zero"), "{post:?}");
    let is_reminder = |m: &WecomMessage| m.button("✅ 零报告（无情况）").is_some();
    w.wait_for("zhaoliu", is_reminder, WAIT)
        .await
        .expect("the night's officer is reminded");
    bot.quiesce().await;
    assert!(!incoming.messages().iter().any(is_reminder));
    assert!(!bot.sim.sent(off.id()).iter().any(common::is_reminder));

    // 08:30: the handover reaches 李四 in WeCom, with its lines; 赵六 is told.
    assert_eq!(
        common::hhmm(bot.advance_to_timer("sched:roster.shift").await),
        "08:30"
    );
    let handover = wecom_text(&bot, &incoming, "交接班").await;
    let text = &handover.text;
    assert!(
        text.contains("李家村")
            && text.contains("2026-11-16")
            && text.contains("待确认预警：W-1")
            && text.contains("今日零报告：尚未报送"),
        "{text}"
    );
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split('：').next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines[1..],
        [
            "未结预警/升级",
            "超期未整改隐患",
            "待确认预警",
            "今日零报告"
        ],
        "{text}"
    );
    wecom_text(&bot, &outgoing, "李家村交接班信息已送达 lisi").await;
    wecom_text(&bot, &lead, "明天无人值班").await;

    // 09:36, the nag: now the room mentions 李四, who answers from his card.
    bot.advance_to_timer("zr:1").await;
    let nag = w
        .wait_for_robot(
            key,
            |m| remind(m) && m.mentioned.contains(&"lisi".to_string()),
            WAIT,
        )
        .await
        .unwrap_or_else(|| {
            panic!(
                "the nag mentions the new shift: {:?}",
                w.robot_messages(key)
            )
        });
    assert_eq!(nag.mentioned, vec!["lisi".to_string()]);
    press(&bot, &incoming, "✅ 零报告（无情况）").await;
    bot.wait_count(
        "SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'lijia'",
        1,
    )
    .await;
    // The night's officer was not nagged after his shift; his reminder card, which he never
    // pressed, shows the answer too.
    let cards: Vec<WecomMessage> = outgoing
        .messages()
        .into_iter()
        // The nag names the round's 零报告 too.
        .filter(|m| m.text.contains("零报告"))
        .collect();
    assert_eq!(cards.len(), 1, "{cards:?}");
    w.wait_for(
        "zhaoliu",
        |m| m.updates > 0 && m.text.contains("零报告已报送"),
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("his reminder shows the answer: {:?}", outgoing.messages()));
    assert!(!bot.sim.sent(off.id()).iter().any(common::is_reminder));
    assert_eq!(w.dropped(), 0);
}
