//! Hazard reports through the real bot: quick and guided reporting, an album, a restart mid
//! draft, an expiring draft, every transition with allowed and refused roles, both
//! escalations, and the reporter's notices in their language.

use crate::common::{Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;

both_backends!(
    a_photo_with_a_caption_becomes_a_report,
    guided_report_with_album_and_location_survives_a_restart,
    lifecycle_with_allowed_and_refused_roles,
    unacknowledged_and_overdue_reports_escalate,
    major_hazards_reach_supervisors_and_the_parent_at_once,
    a_draft_left_alone_expires,
    ids_are_typed_with_or_without_their_letter,
);

fn fast_escalation() -> Config {
    let text = "[hazard]\nescalate = [\"1s\", \"2s\"]\nescalate_major = [\"1s\"]\nrectify_within = \"2s\"\n";
    Config::parse(text, "test.toml").expect("config")
}

fn slow_escalation() -> Config {
    Config::parse(
        "[hazard]\nescalate = [\"1h\"]\nescalate_major = [\"1h\"]\n",
        "test.toml",
    )
    .expect("config")
}

/// The one syntax for ids (src/ids.rs): the letter in either case, the hyphen optional, and
/// the bare number where the command takes hazards only; `/ack` and `/close` need the
/// letter, since a bare number there is an alert or a tip.
async fn ids_are_typed_with_or_without_their_letter(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(81, "Reporter", Some("en"));
    let officer = bot.sim.user(82, "Officer", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    worker.send_text("/report Sandbags washed off the levee");
    bot.press_label(&worker, "road traffic").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("H-1"))
        .await
        .expect("report");

    // Neither E-2 nor H-2 exists: the answer tells which kind the number was taken for.
    let alert = bot.ask(&officer, "/ack 2").await;
    assert!(
        alert.text().contains("no item E-2"),
        "a bare number in /ack is an alert: {}",
        alert.text()
    );
    let tip = bot.ask(&officer, "/close 2 fine").await;
    assert!(
        tip.text().contains("/close T-ID"),
        "a bare number in /close is never taken for a tip: {}",
        tip.text()
    );
    for typed in [
        "/work +1",
        "/work H-0",
        "/work H--1",
        "/work E-1",
        "/work H 1",
    ] {
        let reply = bot.ask(&officer, typed).await;
        assert!(
            reply.text().starts_with("Usage: /ack H-ID"),
            "{typed}: {}",
            reply.text()
        );
    }
    let acked = bot.ask(&officer, "/ack h1").await;
    assert!(
        acked.text().contains("H-1 is now \"acknowledged\""),
        "{}",
        acked.text()
    );
    let working = bot.ask(&officer, "/work 1 on the way").await;
    assert!(
        working.text().contains("H-1 is now \"being rectified\""),
        "{}",
        working.text()
    );
    let history = bot.ask(&officer, "/report h-1").await;
    assert!(history.text().contains("on the way"), "{}", history.text());
}

async fn a_photo_with_a_caption_becomes_a_report(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(91, "Grid Worker", Some("en"));
    let officer = bot.sim.user(92, "李家村值班员", Some("zh"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let photo = worker.send_photo(Some("Fallen power line across the path to the reservoir"));
    bot.press_label(&worker, "forest fire risk").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    let done = bot
        .sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("submitted"))
        .await
        .expect("id at once");
    assert!(done.text().contains("H-1"), "{}", done.text());
    let report = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-1") && !m.buttons.is_empty()
        })
        .await
        .expect("routed");
    assert!(
        report.text().contains("森林火险") && report.text().contains("Fallen power line"),
        "{}",
        report.text()
    );
    bot.sim
        .wait_for(officer.id(), WAIT, |m| {
            m.photo.as_deref() == Some(photo.as_str())
        })
        .await
        .expect("photo by file id");
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazard_photos").await, 1);
}

async fn guided_report_with_album_and_location_survives_a_restart(b: Backend) {
    let mut bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(93, "网格员", Some("zh"));
    let officer = bot.sim.user(94, "Officer", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "nanjiao", Role::DutyOfficer).await;
    bot.join(&worker, "nanjiao", Role::GridWorker).await;
    worker.send_text("/report");
    bot.press_label(&worker, "南郊镇").await;
    bot.press_label(&worker, "燃气管道").await;
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("请用文字描述"))
        .await
        .expect("asks for text");
    bot.settle().await;
    bot.restart().await;
    worker.send_text("燃气管道井盖破损，有异味");
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("请确认"))
        .await
        .expect("draft kept across the restart");
    let album = worker.send_album(3, None);
    worker.send_location(36.81, 117.95);
    let confirm = bot
        .sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("照片：3 张；位置：已附")
        })
        .await
        .expect("album and location in the draft");
    worker.press(
        &confirm,
        &confirm.button("提交（一般隐患）").expect("submit"),
    );
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("已提交隐患 H-1"))
        .await
        .expect("submitted");
    for file_id in &album {
        bot.sim
            .wait_for(officer.id(), WAIT, |m| {
                m.photo.as_deref() == Some(file_id.as_str())
            })
            .await
            .expect("each photo");
    }
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.location == Some((36.81, 117.95)))
        .await
        .expect("location");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM hazards").await,
        1,
        "an album is one report"
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazard_photos").await, 3);
    // Some answers to the album would be noise: the draft answered the first photo only.
    let confirms = bot
        .sim
        .sent(worker.id())
        .iter()
        .filter(|m| m.text().contains("请确认"))
        .count();
    assert!(
        confirms <= 3,
        "{confirms} confirmations for text, album and location"
    );
}

async fn lifecycle_with_allowed_and_refused_roles(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(95, "Reporter", Some("en"));
    let other_worker = bot.sim.user(96, "Bystander", Some("en"));
    let officer = bot.sim.user(97, "值班员", Some("zh"));
    let lead = bot.sim.user(98, "镇带班", Some("zh"));
    let sibling = bot.sim.user(99, "南郊带班", Some("zh"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&other_worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&sibling, "nanjiao", Role::Supervisor).await;
    worker.send_text("/report Dead trees leaning over the road");
    bot.press_label(&worker, "road traffic").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    let report = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-1") && !m.buttons.is_empty()
        })
        .await
        .expect("report");

    assert!(bot
        .ask(&other_worker, "/ack H-1")
        .await
        .text()
        .contains("may not"));
    assert!(bot.ask(&sibling, "/ack H-1").await.text().contains("无权"));
    assert!(
        bot.ask(&officer, "/close H-1")
            .await
            .text()
            .contains("无权"),
        "closing is the supervisor's"
    );
    officer.press(&report, &report.button("✅ 确认").expect("ack button"));
    bot.sim
        .wait_for(officer.id(), WAIT, |m| {
            // The answer, not the report card (edited to offer the same button).
            m.button("✅ 整改完成").is_some() && m.edits == 0
        })
        .await
        .expect("next step offered");
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("H-1 is now: acknowledged")
        })
        .await
        .expect("reporter told, in English");
    assert!(bot
        .ask(&officer, "/ack H-1")
        .await
        .text()
        .contains("不能进行此操作"));
    assert!(bot
        .ask(&officer, "/work H-1 已联系林业站")
        .await
        .text()
        .contains("整改中"));
    assert!(bot
        .ask(&officer, "/done H-1 已砍伐清理")
        .await
        .text()
        .contains("已整改"));
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("rectified") && m.text().contains("已砍伐清理")
        })
        .await
        .expect("reporter sees the note");
    // The verification request goes out beside the reporter's note; it is the lead's next
    // message, so wait for it before asking the lead anything.
    let verifications = |n: usize| {
        let lead = lead.id();
        let sim = &bot.sim;
        async move {
            sim.wait_for_all(lead, WAIT, |m| {
                m.iter().filter(|m| m.text().contains("请验收")).count() >= n
            })
            .await
            .expect("the lead is asked to verify")
        }
    };
    verifications(1).await;
    assert!(
        bot.ask(&lead, "/reopen H-1").await.text().contains("原因"),
        "reopening needs a reason"
    );
    assert!(bot
        .ask(&lead, "/reopen H-1 现场仍有一棵")
        .await
        .text()
        .contains("已重新打开"));
    assert!(
        bot.ask(&officer, "/done H-1")
            .await
            .text()
            .contains("不能进行此操作"),
        "must be acknowledged again first"
    );
    assert!(bot
        .ask(&officer, "/ack H-1")
        .await
        .text()
        .contains("已确认"));
    assert!(bot
        .ask(&officer, "/done H-1 全部清理")
        .await
        .text()
        .contains("已整改"));
    verifications(2).await;
    assert!(bot
        .ask(&lead, "/close H-1")
        .await
        .text()
        .contains("已验收销号"));
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("verified and closed")
        })
        .await
        .expect("closed told");
    let history = bot.ask(&worker, "/report H-1").await;
    for step in [
        "reported",
        "acknowledged",
        "being rectified",
        "rectified",
        "reopened",
        "verified and closed",
        "现场仍有一棵",
    ] {
        assert!(
            history.text().contains(step),
            "history lacks {step}: {}",
            history.text()
        );
    }
    assert!(
        bot.ask(&sibling, "/report H-1")
            .await
            .text()
            .contains("找不到"),
        "other towns do not see it"
    );
    // Rejecting needs a reason, given after the button.
    worker.send_text("/report Smoke again");
    bot.press_label(&worker, "forest fire risk").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    let second = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-2") && !m.buttons.is_empty()
        })
        .await
        .expect("second");
    officer.press(&second, &second.button("✖ 驳回").expect("reject"));
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("驳回 H-2 的原因"))
        .await
        .expect("asks why");
    officer.send_text("是农户烧秸秆，已劝止");
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("H-2 is now: rejected") && m.text().contains("烧秸秆")
        })
        .await
        .expect("reason told");
    let status = bot.ask(&lead, "/status").await;
    assert!(status.text().contains("没有未办结"), "{}", status.text());
}

async fn unacknowledged_and_overdue_reports_escalate(b: Backend) {
    let text = "[hazard]\nescalate = [\"1h\", \"2h\"]\nescalate_major = [\"1h\"]\nrectify_within = \"2h\"\n";
    let config = Config::parse(text, "test.toml").expect("config");
    let bot = TestBot::spawn_fast_on(b, config, TestClock::at("2026-11-16 12:00")).await;
    let worker = bot.sim.user(101, "Worker", Some("en"));
    let officer = bot.sim.user(102, "Officer", Some("en"));
    let lead = bot.sim.user(103, "Village Lead", Some("en"));
    let town = bot.sim.user(104, "Town Lead", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    bot.join(&town, "wangcun", Role::Supervisor).await;
    worker.send_text("/report Crack in the dam wall");
    bot.press_label(&worker, "flood").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    bot.wait_text(officer.id(), "H-1").await;
    let chain = format!(
        "esc:{}",
        bot.count("SELECT id FROM escalations WHERE subject = 'hazard:1'")
            .await
    );
    bot.advance_to_timer(&chain).await;
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("H-1") && m.text().contains("not acknowledged")
        })
        .await
        .expect("level 1 after an hour");
    bot.advance_to_timer(&chain).await;
    bot.sim
        .wait_for(town.id(), WAIT, |m| {
            m.text().contains("H-1") && m.text().contains("Level 2")
        })
        .await
        .expect("level 2 after two");
    assert!(bot
        .ask(&officer, "/ack H-1")
        .await
        .text()
        .contains("acknowledged"));
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("Officer took it") && m.text().contains("H-1")
        })
        .await
        .expect("chain ended, naming who took it");
    // Not rectified within 2 h: it escalates again until it is.
    let due = bot
        .scalar("SELECT MIN(due_at) FROM timers WHERE kind = 'hz.overdue' AND state = 'pending'")
        .await
        .expect("the rectification deadline is armed");
    bot.advance_to(due).await;
    let overdue = bot
        .count("SELECT id FROM escalations WHERE state = 'open'")
        .await;
    bot.advance_to_timer(&format!("esc:{overdue}")).await;
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("past its rectification deadline")
        })
        .await
        .expect("overdue");
    assert!(bot
        .ask(&officer, "/done H-1 Sandbags placed, engineers called")
        .await
        .text()
        .contains("rectified"));
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject LIKE 'hazard%' AND state <> 'resolved'",
        0,
    )
    .await;
}

async fn major_hazards_reach_supervisors_and_the_parent_at_once(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(111, "Worker", Some("en"));
    let officer = bot.sim.user(112, "Officer", Some("en"));
    let lead = bot.sim.user(113, "Village Lead", Some("en"));
    let town = bot.sim.user(114, "Town Lead", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    bot.join(&town, "wangcun", Role::Supervisor).await;
    let room = bot.sim.group(-11400, "Wangcun duty room");
    town.in_group(&room).send_text("/bind");
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.text().contains("duty room"))
        .await
        .expect("bound");
    worker.send_location(36.8, 117.9);
    bot.press_label(&worker, "hazardous chemicals").await;
    worker.send_text("Leaking drums behind the old factory");
    bot.press_label(&worker, "Submit (major hazard)").await;
    for chat in [officer.id(), lead.id(), room.id()] {
        bot.sim
            .wait_for(chat, WAIT, |m| {
                m.text().contains("H-1")
                    && (m.text().contains("major hazard") || m.text().contains("重大隐患"))
            })
            .await
            .expect("major report");
        bot.sim
            .wait_for(chat, WAIT, |m| m.location == Some((36.8, 117.9)))
            .await
            .expect("location pin");
    }
}

async fn a_draft_left_alone_expires(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let worker = bot.sim.user(121, "Worker", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    worker.send_location(36.8, 117.9);
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("What kind"))
        .await
        .expect("draft started");
    // Thirty minutes pass: the expiry timer comes due (the clock of the timer, not a wait).
    let sql = "UPDATE timers SET due_at = 0 WHERE kind = 'hz.draft' AND state = 'pending'";
    match &bot.store {
        lookout::store::Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        lookout::store::Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        lookout::store::Store::Batch(_) => {
            unreachable!("only the update processor works in a batch")
        }
    }
    .expect("move the timer");
    bot.notify();
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("dropped"))
        .await
        .expect("expiry notice");
    assert!(
        bot.ask(&worker, "Leaking tank")
            .await
            .text()
            .contains("did not understand"),
        "the draft is gone"
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazards").await, 0);
}

both_backends!(duplicates_nearby_are_offered_and_merged);

async fn duplicates_nearby_are_offered_and_merged(b: Backend) {
    let bot = TestBot::spawn_fast(b, slow_escalation()).await;
    let first = bot.sim.user(131, "First", Some("en"));
    let second = bot.sim.user(132, "Second", Some("en"));
    let officer = bot.sim.user(133, "Officer", Some("en"));
    for u in [&first, &second] {
        bot.join(u, "lijia", Role::GridWorker).await;
    }
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    first.send_location(36.8, 117.9);
    bot.press_label(&first, "forest fire risk").await;
    first.send_text("Smoke from the ridge");
    bot.press_label(&first, "Submit (ordinary)").await;
    bot.sim
        .wait_for(first.id(), WAIT, |m| m.text().contains("H-1"))
        .await
        .expect("first report");

    // 55 m away, same kind: offered as the same hazard.
    second.send_location(36.8005, 117.9);
    bot.press_label(&second, "forest fire risk").await;
    let photo = second.send_photo(Some("Smoke is thicker now"));
    let offer = bot
        .sim
        .wait_for(second.id(), WAIT, |m| m.button("Add to H-1").is_some())
        .await
        .expect("duplicate offered");
    assert!(
        offer.text().contains("56 m") || offer.text().contains("55 m"),
        "{}",
        offer.text()
    );
    second.press(&offer, &offer.button("Add to H-1").expect("join"));
    bot.sim
        .wait_for(second.id(), WAIT, |m| m.text().contains("added to H-1"))
        .await
        .expect("joined");
    bot.sim
        .wait_for(first.id(), WAIT, |m| m.text().contains("Second confirmed"))
        .await
        .expect("first reporter told");
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazards").await, 1);
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM hazard_photos WHERE file_id = '{photo}'"
        ))
        .await,
        1
    );

    // Far away: a new report, which a handler can still merge as a duplicate.
    second.send_location(36.9, 117.9);
    bot.press_label(&second, "forest fire risk").await;
    second.send_text("Smoke again, further north");
    let confirm = bot
        .sim
        .wait_for(second.id(), WAIT, |m| {
            m.button("Submit (ordinary)").is_some() && m.text().contains("further north")
        })
        .await
        .expect("confirm");
    assert!(
        confirm.button("Add to H-1").is_none(),
        "11 km is not nearby"
    );
    second.press(
        &confirm,
        &confirm.button("Submit (ordinary)").expect("submit"),
    );
    bot.sim
        .wait_for(second.id(), WAIT, |m| m.text().contains("H-2"))
        .await
        .expect("second report");
    // The officer's card of H-2 first, so it is not taken for the answer to /merge.
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("H-2"))
        .await
        .expect("the officer is told of H-2");
    assert!(bot
        .ask(&second, "/merge H-2 H-1")
        .await
        .text()
        .contains("may not"));
    assert!(bot
        .ask(&officer, "/merge H-2")
        .await
        .text()
        .contains("Usage"));
    assert!(bot
        .ask(&officer, "/merge H-2 H-1")
        .await
        .text()
        .contains("rejected"));
    bot.sim
        .wait_for(second.id(), WAIT, |m| {
            m.text().contains("H-2 is now: rejected") && m.text().contains("与 H-1 重复")
        })
        .await
        .expect("reporter told why");
    assert_eq!(
        bot.count("SELECT duplicate_of FROM hazards WHERE id = 2")
            .await,
        1
    );
}

both_backends!(buttons_evidence_and_a_new_deadline);

async fn buttons_evidence_and_a_new_deadline(b: Backend) {
    let bot = TestBot::spawn_fast(b, fast_escalation()).await;
    let worker = bot.sim.user(141, "Worker", Some("en"));
    let officer = bot.sim.user(142, "Officer", Some("en"));
    let lead = bot.sim.user(143, "Lead", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    worker.send_text("/report Broken fence at the reservoir");
    bot.press_label(&worker, "flood").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    let report = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-1") && m.button("✅ Acknowledge").is_some()
        })
        .await
        .expect("report");
    officer.press(&report, &report.button("✅ Acknowledge").expect("ack"));
    let next = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.button("✅ Rectified").is_some() && m.edits == 0
        })
        .await
        .expect("next step button");
    // A supervisor gives more time than rectify_within (2 s): no overdue alert comes.
    assert!(bot
        .ask(&officer, "/deadline H-1 1h")
        .await
        .text()
        .contains("may not"));
    assert!(bot
        .ask(&lead, "/deadline H-1")
        .await
        .text()
        .contains("Usage"));
    assert!(bot
        .ask(&lead, "/deadline H-1 1h")
        .await
        .text()
        .contains("acknowledged"));
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("deadline set to"))
        .await
        .expect("reporter told");
    officer.press(&next, &next.button("✅ Rectified").expect("done"));
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("evidence"))
        .await
        .expect("asks for evidence");
    let evidence = officer.send_photo(Some("fence repaired"));
    bot.sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().starts_with("Photo kept with H-1")
        })
        .await
        .expect("evidence kept");
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM hazard_photos WHERE file_id = '{evidence}'"
        ))
        .await,
        1
    );
    // The supervisor is asked to verify, with buttons; reopening asks for the reason.
    let verify = bot
        .sim
        .wait_for(lead.id(), WAIT, |m| m.text().contains("please verify"))
        .await
        .expect("verify request");
    lead.press(&verify, &verify.button("↩ Reopen").expect("reopen"));
    bot.sim
        .wait_for(lead.id(), WAIT, |m| m.text().contains("reason"))
        .await
        .expect("asks why");
    lead.send_text("Gate still open");
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("reopened") && m.text().contains("Gate still open")
        })
        .await
        .expect("reopened");
    assert!(bot
        .ask(&officer, "/ack H-1")
        .await
        .text()
        .contains("acknowledged"));
    assert!(bot
        .ask(&officer, "/done H-1 gate locked")
        .await
        .text()
        .contains("rectified"));
    let verify = bot
        .sim
        .wait_for(lead.id(), WAIT, |m| m.text().contains("gate locked"))
        .await
        .expect("verify again");
    lead.press(
        &verify,
        &verify.button("✅ Verify and close").expect("close"),
    );
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("verified and closed")
        })
        .await
        .expect("closed");
    // Every chain of the report, through the reopening, has ended.
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject LIKE 'hazard%' AND state <> 'resolved'",
        0,
    )
    .await;
}
