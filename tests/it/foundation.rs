//! Behaviour tests of the foundation: invites, languages, /help, /bind, the org file and
//! robustness against garbage. Real bot, real database (both backends), simulator over HTTP.

use crate::common::{self, Backend, TestBot, WAIT};
use lookout::org::{file as orgfile, Role};
use serde_json::json;

both_backends!(
    stranger_start_explains_and_leaves_no_trace,
    invite_joins_and_tells_unit_and_role,
    bad_invites_are_refused_and_change_nothing,
    admin_creates_invites_in_the_bot,
    units_imported_while_the_bot_runs_are_known_at_once,
    bind_makes_a_group_the_duty_room,
    languages_follow_telegram_and_lang,
    help_lists_what_roles_allow,
    command_menus_are_registered,
    garbage_does_not_stop_the_bot,
    org_import_export_round_trip,
);

async fn stranger_start_explains_and_leaves_no_trace(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let zh = bot.sim.user(101, "张三", Some("zh-hans"));
    let reply = bot.ask(&zh, "/start").await;
    assert!(
        reply.text().contains("/start") && reply.text().contains("匿名"),
        "{}",
        reply.text()
    );
    let en = bot.sim.user(102, "Ann", Some("en"));
    let reply = bot.ask(&en, "/start").await;
    assert!(
        reply.text().contains("invite code") && reply.text().contains("anonymous"),
        "{}",
        reply.text()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM people").await, 0);
    assert_eq!(bot.count("SELECT COUNT(*) FROM conversations").await, 0);
    // Once the replies are delivered, the outbox keeps neither recipient nor text.
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE chat_id IN (101, 102) OR payload LIKE '%anonymous%'",
        0,
    )
    .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE payload <> ''")
            .await,
        0
    );
}

async fn invite_joins_and_tells_unit_and_role(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let code = bot.invite("wangcun", Role::DutyOfficer, 2, None).await;
    let li = bot.sim.user(201, "李四", Some("zh-CN"));
    let reply = bot.ask(&li, &format!("/start {code}")).await;
    assert!(
        reply.text().contains("王村镇") && reply.text().contains("值班员"),
        "{}",
        reply.text()
    );
    // The same code a second time by the same person: nothing changes, the use is kept.
    let reply = bot.ask(&li, &format!("/start {code}")).await;
    assert!(reply.text().contains("无需重复"), "{}", reply.text());
    let en = bot.sim.user(202, "Bob", Some("en-US"));
    let reply = bot.ask(&en, &format!("/start {code}")).await;
    assert!(
        reply.text().contains("王村镇") && reply.text().contains("duty officer"),
        "{}",
        reply.text()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM people").await, 2);
    assert_eq!(
        bot.count(
            "SELECT COUNT(*) FROM memberships WHERE unit_id = 'wangcun' AND role = 'duty_officer'"
        )
        .await,
        2
    );
    assert_eq!(bot.count("SELECT uses_left FROM invites").await, 0);
}

async fn bad_invites_are_refused_and_change_nothing(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let used = bot.invite("lijia", Role::GridWorker, 1, None).await;
    let expired = bot.invite("lijia", Role::GridWorker, 5, Some(1)).await;
    let first = bot.sim.user(301, "王五", Some("zh"));
    bot.join_with(&first, &used).await;
    let late = bot.sim.user(302, "Carol", Some("en"));
    let reply = bot.ask(&late, &format!("/start {used}")).await;
    assert!(reply.text().contains("used up"), "{}", reply.text());
    let reply = bot.ask(&late, &format!("/start {expired}")).await;
    assert!(reply.text().contains("expired"), "{}", reply.text());
    let reply = bot.ask(&late, "/start NOSUCHCODE123").await;
    assert!(reply.text().contains("not valid"), "{}", reply.text());
    let reply = bot.ask(&late, "/start '; DROP TABLE people; --").await;
    assert!(reply.text().contains("not valid"), "{}", reply.text());
    assert_eq!(bot.count("SELECT COUNT(*) FROM people").await, 1);
    assert_eq!(bot.count("SELECT COUNT(*) FROM memberships").await, 1);
    assert_eq!(
        bot.count("SELECT CAST(SUM(uses_left) AS BIGINT) FROM invites")
            .await,
        5
    );
}

async fn admin_creates_invites_in_the_bot(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let admin = bot.sim.user(401, "Admin", Some("en"));
    bot.join(&admin, "wangcun", Role::Admin).await;
    let reply = bot.ask(&admin, "/invite lijia supervisor").await;
    let code = reply
        .text()
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("/start "))
        .expect("code line")
        .to_string();
    assert!(code.len() >= 14, "at least 80 random bits: {code}");
    assert!(reply.text().contains("李家村"), "{}", reply.text());
    let newcomer = bot.sim.user(402, "赵六", Some("zh"));
    let joined = bot.ask(&newcomer, &format!("/start {code}")).await;
    assert!(
        joined.text().contains("李家村") && joined.text().contains("带班领导"),
        "{}",
        joined.text()
    );

    // Outside the admin's subtree, a bad role, bad usage, and a non-admin: refused.
    assert!(bot
        .ask(&admin, "/invite nanjiao supervisor")
        .await
        .text()
        .contains("outside"));
    assert!(bot
        .ask(&admin, "/invite lijia boss")
        .await
        .text()
        .contains("Unknown role"));
    assert!(bot.ask(&admin, "/invite").await.text().contains("Usage"));
    assert!(bot
        .ask(&newcomer, "/invite lijia admin")
        .await
        .text()
        .contains("只有管理员"));
    assert_eq!(bot.count("SELECT COUNT(*) FROM invites").await, 2);
}

/// The bot holds the unit tree in memory; an import by another process (`lookout org import`
/// while the bot runs) is seen by the next update, added units and moved ones alike.
async fn units_imported_while_the_bot_runs_are_known_at_once(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let admin = bot.sim.user(411, "Admin", Some("en"));
    bot.join(&admin, "wangcun", Role::Admin).await;
    let botr = &bot;
    let invite = |a| async move {
        botr.ask(a, "/invite xincun duty_officer")
            .await
            .text()
            .to_string()
    };
    assert!(invite(&admin).await.contains("does not exist"));

    let import = |parent: &str| {
        let file = format!("[[unit]]\nid = \"xincun\"\nname = \"新村\"\nparent = \"{parent}\"\n");
        let store = botr.store.clone();
        async move {
            let existing = store.units().await.expect("units");
            let entries = orgfile::parse(&file, "org.toml", &existing).expect("parses");
            let mut tx = store.begin().await.expect("tx");
            tx.import_units(&entries).await.expect("import");
            tx.commit().await.expect("commit");
        }
    };
    import("wangcun").await;
    let reply = invite(&admin).await;
    assert!(
        reply.contains("新村") && reply.contains("/start "),
        "{reply}"
    );

    // Moved to another town: outside this admin's units from the next update on.
    import("nanjiao").await;
    assert!(invite(&admin).await.contains("outside"));
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM invites").await,
        2,
        "the join and one"
    );
}

async fn bind_makes_a_group_the_duty_room(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let officer = bot.sim.user(501, "值班员甲", Some("zh"));
    let stranger = bot.sim.user(502, "路人", Some("zh"));
    bot.join(&officer, "wangcun", Role::DutyOfficer).await;
    let group = bot.sim.group(-5001, "王村镇值班室");

    stranger.in_group(&group).send_text("/bind");
    bot.sim
        .wait_for(group.id(), WAIT, |m| {
            m.text().contains("只有本单位的值班员")
        })
        .await
        .expect("refusal");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM units WHERE duty_chat_id IS NOT NULL")
            .await,
        0
    );

    assert!(
        bot.ask(&officer, "/bind").await.text().contains("群里"),
        "private /bind explains"
    );

    officer.in_group(&group).send_text("/bind");
    bot.sim
        .wait_for(group.id(), WAIT, |m| {
            m.text().contains("王村镇") && m.text().contains("值班室")
        })
        .await
        .expect("bound");
    assert_eq!(
        bot.count("SELECT duty_chat_id FROM units WHERE id = 'wangcun'")
            .await,
        -5001
    );

    // An officer of two units chooses with a button.
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let other = bot.sim.group(-5002, "李家村值班室");
    officer.in_group(&other).send_text("/bind");
    let choice = bot
        .sim
        .wait_for(other.id(), WAIT, |m| !m.buttons.is_empty())
        .await
        .expect("choice");
    let data = choice.button("李家村").expect("button for lijia");
    officer.in_group(&other).press(&choice, &data);
    bot.sim
        .wait_for(other.id(), WAIT, |m| {
            m.text().contains("李家村") && m.text().contains("值班室")
        })
        .await
        .expect("bound");
    assert_eq!(
        bot.count("SELECT duty_chat_id FROM units WHERE id = 'lijia'")
            .await,
        -5002
    );
    // A stranger pressing the same button changes nothing.
    stranger.in_group(&other).press(&choice, "bind:wangcun");
    bot.sim
        .wait_for(other.id(), WAIT, |m| m.text().contains("无权"))
        .await
        .expect("refused press");
    assert_eq!(
        bot.count("SELECT duty_chat_id FROM units WHERE id = 'wangcun'")
            .await,
        -5001
    );
}

async fn languages_follow_telegram_and_lang(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let member = bot.sim.user(601, "孙七", Some("zh-CN"));
    bot.join(&member, "nanjiao", Role::GridWorker).await;
    assert!(bot.ask(&member, "/help").await.text().contains("可用命令"));
    assert!(bot
        .ask(&member, "/lang en")
        .await
        .text()
        .contains("English"));
    assert!(bot.ask(&member, "/help").await.text().contains("Commands"));
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM people WHERE lang = 'en'")
            .await,
        1
    );

    // A stranger's choice lives only in the conversation; buttons work too.
    let stranger = bot.sim.user(602, "Dave", Some("en"));
    let menu = bot.ask(&stranger, "/lang").await;
    let data = menu.button("中文").expect("zh button");
    stranger.press(&menu, &data);
    bot.sim
        .wait_for(stranger.id(), WAIT, |m| m.text().contains("已切换为中文"))
        .await
        .expect("switched");
    assert!(bot
        .ask(&stranger, "/help")
        .await
        .text()
        .contains("可用命令"));
    assert_eq!(bot.count("SELECT COUNT(*) FROM people").await, 1);
    assert!(bot
        .ask(&stranger, "/lang klingon")
        .await
        .text()
        .contains("不支持"));
}

async fn help_lists_what_roles_allow(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let worker = bot.sim.user(701, "Grid", Some("en"));
    let officer = bot.sim.user(702, "Duty", Some("en"));
    let admin = bot.sim.user(703, "Root", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&admin, "zhoucun", Role::Admin).await;
    let w = bot.ask(&worker, "/help").await;
    let o = bot.ask(&officer, "/help").await;
    let a = bot.ask(&admin, "/help").await;
    assert!(
        !w.text().contains("/bind") && !w.text().contains("/invite"),
        "{}",
        w.text()
    );
    assert!(w.text().contains("李家村 grid worker"), "{}", w.text());
    assert!(
        o.text().contains("/bind") && !o.text().contains("/invite"),
        "{}",
        o.text()
    );
    assert!(
        a.text().contains("/bind") && a.text().contains("/invite"),
        "{}",
        a.text()
    );
}

async fn command_menus_are_registered(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let user = bot.sim.user(801, "X", Some("en"));
    bot.ask(&user, "/help").await; // the menus go out before or alongside the first reply
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let menus = bot.sim.commands();
        let has = |k: &str| {
            menus
                .iter()
                .any(|(key, cmds)| key == k && cmds.iter().any(|(c, _)| c == "help"))
        };
        if has("default") && has("default/en") && has("all_group_chats") {
            let en = menus
                .iter()
                .find(|(k, _)| k == "default/en")
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            assert!(
                en.iter()
                    .any(|(c, d)| c == "lang" && d == "Switch language"),
                "{en:?}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "menus not registered: {menus:?}"
        );
        bot.sim
            .wait_for_count(user.id(), 99, std::time::Duration::from_millis(200))
            .await
            .ok();
    }
}

async fn garbage_does_not_stop_the_bot(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let user = bot.sim.user(901, "Eve", Some("en"));
    bot.sim.send_unknown_update();
    bot.sim.send_channel_post(-100777, "News", "hello channel");
    user.send_sticker();
    let long = "字".repeat(10_000);
    user.send_text(&long);
    let m = user.send_text("hello");
    user.edit_text(m, "edited");
    user.send_raw_update(json!({ "message": "not an object" }));
    user.send_raw_update(json!({ "callback_query": { "id": "q1", "from": { "id": 901, "is_bot": false, "first_name": "Eve" }, "chat_instance": "1", "data": "lang:" } }));
    let menu = bot.ask(&user, "/lang").await;
    for junk in [
        "",
        "bind:",
        "zzz",
        &"x".repeat(200),
        "lang:xx",
        "bind:nanjiao",
    ] {
        user.press(&menu, junk);
    }
    user.send_text("/nosuchcommand with args");
    user.send_document("a.exe", "application/octet-stream", vec![0; 100]);
    user.send_text("/help");
    bot.sim
        .wait_for(user.id(), WAIT, |m| m.text().starts_with("Commands"))
        .await
        .expect("bot still answers /help");
    assert_eq!(bot.count("SELECT COUNT(*) FROM people").await, 0);
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM units WHERE duty_chat_id IS NOT NULL")
            .await,
        0
    );
    assert!(
        bot.sim.sent(-100777).is_empty(),
        "nothing is posted to the channel"
    );
    assert!(bot
        .sim
        .sent(user.id())
        .iter()
        .any(|m| m.text().contains("don't know that command")));
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE state = 'failed'")
            .await,
        0
    );
}

async fn org_import_export_round_trip(b: Backend) {
    let db = common::fresh_db(b).await;
    let store = lookout::app::open_store(&db.url).await.expect("open");
    let entries = orgfile::parse(common::ORG, "org.toml", &[]).expect("parse");
    for _ in 0..2 {
        // Idempotent: importing the same file again changes nothing.
        let mut tx = store.begin().await.expect("tx");
        tx.import_units(&entries).await.expect("import");
        tx.commit().await.expect("commit");
        assert_eq!(
            orgfile::export(&store.units().await.expect("units")),
            common::ORG
        );
    }
    // Upsert by id: a rename and a new unit; order of the file kept.
    let more = "[[unit]]\nid = \"wangcun\"\nname = \"王村镇（新）\"\nparent = \"zhoucun\"\n\n[[unit]]\nid = \"xinan\"\nname = \"西南村\"\nparent = \"nanjiao\"\n";
    let existing = store.units().await.expect("units");
    let entries = orgfile::parse(more, "more.toml", &existing).expect("parse");
    let mut tx = store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("import");
    tx.commit().await.expect("commit");
    let exported = orgfile::export(&store.units().await.expect("units"));
    assert!(
        exported.contains("王村镇（新）")
            && exported.ends_with("name = \"西南村\"\nparent = \"nanjiao\"\n"),
        "{exported}"
    );
    // A cycle through stored units is refused before anything is written.
    let cycle = "[[unit]]\nid = \"zhoucun\"\nname = \"周村区\"\nparent = \"lijia\"\n";
    let err =
        orgfile::parse(cycle, "cycle.toml", &store.units().await.expect("units")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cycle.toml:4: unit.parent: cycle"),
        "{err}"
    );
    assert_eq!(
        orgfile::export(&store.units().await.expect("units")),
        exported
    );
}
