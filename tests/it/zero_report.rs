//! Zero reports through the real bot: reminders to duty rooms and officers, answers by button
//! and command, first answer wins, late answers, the nag, missing units escalating,
//! incidents, the summary, the board, the off-season, a restart mid-round, and timeliness
//! statistics checked against a month computed by hand.
//!
//! Rounds run on a morning's real schedule and a clock the test drives, so a morning passes in
//! seconds.

use crate::common::{self, hhmm, is_reminder, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::SentMessage;

both_backends!(
    a_morning_of_reminders_answers_and_escalation,
    incidents_alert_at_once_until_acknowledged,
    off_season_sends_nothing_until_overridden,
    restart_between_reminder_and_deadline,
    several_units_and_paused_units,
    statistics_match_a_month_by_hand,
);

/// A morning's round: remind at 08:00, nag at 80 % (09:36), deadline 10:00, summary 10:30;
/// missing answers escalate at the deadline, then 30 minutes later one level up.
fn morning(season: &str) -> Config {
    let text = format!(
        "[fire_season]\nperiods = [{season}]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
         deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\nnag = \"80%\"\nescalate = [\"0s\", \"30m\"]\n"
    );
    Config::parse(&text, "test.toml").expect("test config")
}

/// Before that morning's reminder (a Monday in the fire season).
fn seven_am() -> TestClock {
    TestClock::at("2026-11-16 07:00")
}

const REMIND: &str = "sched:zero_report.remind";
const DEADLINE: &str = "sched:zero_report.deadline";
const SUMMARY: &str = "sched:zero_report.summary";

/// The round a reminder is for, from its buttons.
fn round_of(m: &SentMessage) -> Option<String> {
    m.button_data().iter().find_map(|d| {
        d.strip_prefix("zero:")?
            .split(':')
            .next()
            .map(str::to_string)
    })
}

async fn a_morning_of_reminders_answers_and_escalation(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, morning("\"01-01..12-31\""), seven_am()).await;
    // 王村镇 answers in its duty-room group; 李家村 privately; 南郊镇 stays silent.
    let a = bot.sim.user(41, "值班员甲", Some("zh"));
    let b2 = bot.sim.user(42, "值班员乙", Some("zh"));
    let li = bot.sim.user(43, "Li Officer", Some("en"));
    let silent = bot.sim.user(44, "南郊值班员", Some("zh"));
    let boss = bot.sim.user(45, "区带班", Some("zh"));
    bot.join(&a, "wangcun", Role::DutyOfficer).await;
    bot.join(&b2, "wangcun", Role::DutyOfficer).await;
    bot.join(&li, "lijia", Role::DutyOfficer).await;
    bot.join(&silent, "nanjiao", Role::DutyOfficer).await;
    bot.join(&boss, "zhoucun", Role::Supervisor).await;
    let room = bot.sim.group(-4100, "王村镇值班室");
    a.in_group(&room).send_text("/bind");
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.text().contains("值班室"))
        .await
        .expect("bound");

    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    let in_room = bot
        .sim
        .wait_for(room.id(), WAIT, is_reminder)
        .await
        .expect("reminder in the duty room");
    assert!(
        in_room.text().contains("王村镇") && in_room.text().contains("零报告"),
        "{}",
        in_room.text()
    );
    let li_rem = bot
        .sim
        .wait_for(li.id(), WAIT, is_reminder)
        .await
        .expect("private reminder, in English");
    assert!(
        li_rem.text().contains("李家村") && li_rem.text().contains("zero report"),
        "{}",
        li_rem.text()
    );
    // No round fired before the bind (the clock started at 07:00), and every reminder of
    // this one has been sent: none reached the room's officers privately.
    let round = round_of(&in_room).expect("the reminder's round");
    assert!(
        bot.sim.sent(a.id()).iter().all(|m| !is_reminder(m)),
        "a unit with a duty room is reminded there only"
    );

    // Two officers press at once in the group: exactly one answer counts.
    let nothing = in_room
        .button("✅ 零报告（无情况）")
        .expect("nothing button");
    a.in_group(&room).press(&in_room, &nothing);
    b2.in_group(&room).press(&in_room, &nothing);
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.text().contains("无需重复报送"))
        .await
        .expect("the second is told who answered");
    let edited = bot
        .sim
        .wait_for(room.id(), WAIT, |m| {
            m.message_id == in_room.message_id && m.edits > 0
        })
        .await
        .expect("reminder edited");
    assert!(
        edited.text().contains("已报送") && edited.buttons.is_empty(),
        "{}",
        edited.text()
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'wangcun'")
            .await,
        1
    );

    // /zero privately answers for the officer's only unit.
    let reply = bot.ask(&li, "/zero").await;
    assert!(
        reply.text().starts_with("Recorded") && reply.text().contains("李家村"),
        "{}",
        reply.text()
    );

    // The silent unit is nagged at 80 % of the window, naming who has not answered.
    assert_eq!(
        hhmm(bot.advance_to_timer(&format!("zr:{round}")).await),
        "09:36"
    );
    let nag = bot
        .sim
        .wait_for(silent.id(), WAIT, |m| m.text().contains("再次提醒"))
        .await
        .expect("nag");
    assert!(
        nag.text().contains("南郊镇") && !nag.text().contains("李家村"),
        "{}",
        nag.text()
    );
    // At the deadline it escalates; 南郊镇 has no supervisor, so the district's hears.
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    let alert = bot
        .sim
        .wait_for(boss.id(), WAIT, |m| m.text().contains("南郊镇 未报送"))
        .await
        .expect("escalated");
    assert!(!alert.buttons.is_empty());
    // A late answer is accepted, marked late, and stops the chain for everyone alerted.
    let late = bot.ask(&silent, "/zero").await;
    assert!(late.text().contains("迟报"), "{}", late.text());
    bot.sim
        .wait_for(boss.id(), WAIT, |m| m.text().contains("已解决"))
        .await
        .expect("resolution told");
    // The summary names the late unit; the board shows the same.
    assert_eq!(hhmm(bot.advance_to_timer(SUMMARY).await), "10:30");
    let summary = bot
        .sim
        .wait_for(boss.id(), WAIT, |m| m.text().contains("汇总"))
        .await
        .expect("summary");
    assert!(
        summary.text().contains("应报 3") && summary.text().contains("迟报 1"),
        "{}",
        summary.text()
    );
    let board = bot.ask(&boss, "/today").await;
    assert!(
        board.text().contains("王村镇") && board.text().contains("李家村"),
        "{}",
        board.text()
    );
    let month = bot.ask(&boss, "/stats").await;
    assert!(
        month.text().contains("及时率") && month.text().contains("南郊镇 | "),
        "{}",
        month.text()
    );
    assert!(bot
        .ask(&li, "/stats")
        .await
        .text()
        .contains("Only supervisors"));
}

async fn incidents_alert_at_once_until_acknowledged(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, morning("\"01-01..12-31\""), seven_am()).await;
    let officer = bot.sim.user(51, "李家村值班员", Some("zh"));
    let village_lead = bot.sim.user(52, "村带班", Some("zh"));
    let town_lead = bot.sim.user(53, "Town Lead", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&village_lead, "lijia", Role::Supervisor).await;
    bot.join(&town_lead, "wangcun", Role::Supervisor).await;
    let town_room = bot.sim.group(-5300, "王村镇值班室");
    town_lead.in_group(&town_room).send_text("/bind wangcun");
    bot.sim
        .wait_for(town_room.id(), WAIT, |m| m.text().contains("duty room"))
        .await
        .expect("bound");

    bot.advance_to_timer(REMIND).await;
    let reminder = bot
        .sim
        .wait_for(officer.id(), WAIT, is_reminder)
        .await
        .expect("reminder");
    officer.press(
        &reminder,
        &reminder.button("🔥 有情况").expect("incident button"),
    );
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("情况说明"))
        .await
        .expect("asks for the text");
    officer.send_text("后山发现烟点，已派护林员核查");
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("已立即通知"))
        .await
        .expect("confirmed");
    let alert = bot
        .sim
        .wait_for(village_lead.id(), WAIT, |m| {
            m.text().contains("后山发现烟点")
        })
        .await
        .expect("unit supervisor alerted");
    bot.sim
        .wait_for(town_lead.id(), WAIT, |m| m.text().contains("后山发现烟点"))
        .await
        .expect("parent supervisor alerted");
    bot.sim
        .wait_for(town_room.id(), WAIT, |m| m.text().contains("后山发现烟点"))
        .await
        .expect("parent duty room alerted");
    assert_eq!(
        bot.count(
            "SELECT COUNT(*) FROM zero_answers WHERE kind = 'incident' AND text LIKE '%烟点%'"
        )
        .await,
        1
    );
    // A photo and a location may follow; they reach the same people, the photo by file id.
    let file_id = officer.send_photo(None);
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("已转发"))
        .await
        .expect("photo forwarded");
    officer.send_location(36.8, 117.9);
    bot.sim
        .wait_for(town_lead.id(), WAIT, |m| {
            m.photo.as_deref() == Some(file_id.as_str()) && m.text().contains("李家村")
        })
        .await
        .expect("photo");
    bot.sim
        .wait_for(village_lead.id(), WAIT, |m| {
            m.location == Some((36.8, 117.9))
        })
        .await
        .expect("location");
    // The chain runs until a supervisor acknowledges; then everyone alerted hears who took it.
    village_lead.press(&alert, &alert.button_data()[0]);
    bot.sim
        .wait_for(town_lead.id(), WAIT, |m| {
            m.text().contains("村带班 took it")
        })
        .await
        .expect("ack told");
    bot.wait_count("SELECT COUNT(*) FROM escalations WHERE subject LIKE 'zincident:%' AND state = 'acknowledged'", 1).await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM timers WHERE grp LIKE 'esc:%' AND state = 'pending'")
            .await,
        0
    );
}

async fn off_season_sends_nothing_until_overridden(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, morning(""), seven_am()).await;
    let officer = bot.sim.user(61, "Officer", Some("en"));
    let admin = bot.sim.user(62, "Admin", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&admin, "zhoucun", Role::Admin).await;
    // A remind firing passes outside the season: no round, no reminder.
    bot.advance_to_timer(REMIND).await;
    bot.wait_count(
        "SELECT COUNT(*) FROM timers WHERE grp = 'sched:zero_report.remind' AND state = 'done'",
        1,
    )
    .await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM zero_rounds").await, 0);
    assert!(bot.sim.sent(officer.id()).iter().all(|m| !is_reminder(m)));
    assert!(bot
        .ask(&officer, "/zero")
        .await
        .text()
        .contains("No zero report is due"));
    bot.ask(&admin, "/season on").await;
    // The next morning's firing.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    bot.sim
        .wait_for(officer.id(), WAIT, is_reminder)
        .await
        .expect("reminded once the season is on");
}

async fn restart_between_reminder_and_deadline(b: Backend) {
    let mut bot = TestBot::spawn_fast_on(b, morning("\"01-01..12-31\""), seven_am()).await;
    let officer = bot.sim.user(71, "Officer", Some("en"));
    let quiet = bot.sim.user(72, "Quiet", Some("en"));
    let lead = bot.sim.user(73, "Lead", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&quiet, "nanjiao", Role::DutyOfficer).await;
    bot.join(&lead, "zhoucun", Role::Supervisor).await;
    bot.advance_to_timer(REMIND).await;
    let reminder = bot
        .sim
        .wait_for(officer.id(), WAIT, is_reminder)
        .await
        .expect("reminder");
    bot.settle().await;
    bot.restart().await;
    officer.press(&reminder, &reminder.button_data()[0]);
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().starts_with("Recorded"))
        .await
        .expect("answer after restart");
    bot.advance_to_timer(DEADLINE).await;
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("南郊镇 has not filed")
        })
        .await
        .expect("escalated once");
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject LIKE 'zero:%'",
        1,
    )
    .await;
    // Everything due by now has been sent, so a second alert or reminder would be here.
    bot.quiesce().await;
    let alerts = bot
        .sim
        .sent(lead.id())
        .iter()
        .filter(|m| m.text().contains("南郊镇 has not filed"))
        .count();
    assert_eq!(alerts, 1, "one alert, not one per start");
    let reminders = bot
        .sim
        .sent(officer.id())
        .iter()
        .filter(|m| is_reminder(m) || m.edits > 0)
        .count();
    assert_eq!(
        reminders, 1,
        "one reminder (now edited to show the answer), not one per start"
    );
}

async fn several_units_and_paused_units(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, morning("\"01-01..12-31\""), seven_am()).await;
    let both = bot.sim.user(81, "Two Hats", Some("en"));
    let admin = bot.sim.user(82, "Admin", Some("en"));
    let worker = bot.sim.user(83, "Worker", Some("en"));
    bot.join(&both, "lijia", Role::DutyOfficer).await;
    bot.join(&both, "nanjiao", Role::DutyOfficer).await;
    bot.join(&admin, "zhoucun", Role::Admin).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    assert!(bot
        .ask(&admin, "/pause nanjiao 2000-01-01")
        .await
        .text()
        .contains("Usage"));
    let today = lookout::clock::from_ms(bot.now_ms())
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let paused = bot
        .ask(
            &admin,
            &format!("/pause nanjiao {today} {today} holiday duty arrangement"),
        )
        .await;
    assert!(paused.text().contains("paused"), "{}", paused.text());
    bot.advance_to_timer(REMIND).await;
    bot.sim
        .wait_for(both.id(), WAIT, is_reminder)
        .await
        .expect("reminder for lijia");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM zero_expected WHERE unit_id = 'nanjiao'")
            .await,
        0,
        "paused: not expected"
    );
    let choose = bot.ask(&both, "/incident smoke near the road").await;
    assert!(choose.text().contains("several units"), "{}", choose.text());
    let data = choose.button("李家村").expect("lijia button");
    both.press(&choose, &data);
    bot.sim
        .wait_for(both.id(), WAIT, |m| {
            m.text().contains("reports an incident")
        })
        .await
        .expect("recorded for the chosen unit");
    assert_eq!(bot.count("SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'lijia' AND text = 'smoke near the road'").await, 1);
    assert!(bot
        .ask(&worker, "/zero")
        .await
        .text()
        .contains("Only a unit's duty officers"));
    assert!(bot.ask(&both, "/incident").await.text().contains("Usage"));
}

async fn statistics_match_a_month_by_hand(b: Backend) {
    let db = common::fresh_db(b).await;
    let store = lookout::app::open_store(&db.url).await.expect("open");
    let mut tx = store.begin().await.expect("tx");
    tx.import_units(&lookout::org::file::parse(common::ORG, "org.toml", &[]).expect("org"))
        .await
        .expect("import");
    let person = tx
        .redeem_invite(
            "none",
            &lookout::store::Joiner {
                tg_user_id: 1,
                name: "x",
                username: None,
                lang: "en",
            },
            0,
        )
        .await
        .expect("no-op");
    assert_eq!(person, lookout::store::RedeemOutcome::Unknown);
    tx.create_invite("h", "lijia", Role::DutyOfficer, 1, None, 0)
        .await
        .expect("invite");
    let joined = tx
        .redeem_invite(
            "h",
            &lookout::store::Joiner {
                tg_user_id: 1,
                name: "x",
                username: None,
                lang: "en",
            },
            0,
        )
        .await
        .expect("join");
    let lookout::store::RedeemOutcome::Joined { person_id, .. } = joined else {
        panic!("joined: {joined:?}")
    };
    // November 2026: lijia and nanjiao expected every day; wangcun only from the 16th.
    // lijia: on time except late on days divisible by 5 and silent on the 30th;
    // nanjiao: answers (on time) only on odd days, incidents on the 7th and 21st;
    // wangcun: on time every day it is expected. A round on Oct 31 must not count.
    for day in 0..=30 {
        let date = if day == 0 {
            "2026-10-31".to_string()
        } else {
            format!("2026-11-{day:02}")
        };
        let opened = 1_000_000 + day * 86_400_000;
        let round = tx
            .open_round(opened, opened + 7_200_000, &date)
            .await
            .expect("round")
            .expect("new");
        for unit in ["lijia", "nanjiao"] {
            tx.expect_unit(round, unit).await.expect("expect");
        }
        if day >= 16 {
            tx.expect_unit(round, "wangcun").await.expect("expect");
            tx.insert_answer(round, "wangcun", None, person_id, opened + 1, false)
                .await
                .expect("answer");
        }
        if day != 30 {
            tx.insert_answer(round, "lijia", None, person_id, opened + 1, day % 5 == 0)
                .await
                .expect("answer");
        }
        if day % 2 == 1 {
            let incident = (day == 7 || day == 21).then_some("fire");
            tx.insert_answer(round, "nanjiao", incident, person_id, opened + 1, false)
                .await
                .expect("answer");
        }
    }
    // Hazards in November (Asia/Shanghai): lijia's H-1 acknowledged in 10 min (within the
    // first 30 min offset) and rectified before its deadline; lijia's H-2 acknowledged after
    // 2 h and now past its deadline; nanjiao's major H-3 acknowledged in 3 min (within 5 min),
    // deadline far ahead. A report of October 31 does not count.
    let at = |day: u32, hour: u32| {
        chrono::NaiveDate::from_ymd_opt(
            2026,
            if day == 0 { 10 } else { 11 },
            if day == 0 { 31 } else { day },
        )
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .expect("time")
    };
    let min = 60_000;
    for (unit, created, acked_after, due, rectified, major) in [
        ("lijia", at(2, 9), 10 * min, at(9, 9), Some(at(5, 9)), false),
        ("lijia", at(3, 9), 120 * min, at(4, 9), None, false),
        ("nanjiao", at(5, 9), 3 * min, 4_102_444_800_000, None, true),
        ("nanjiao", at(0, 9), min, at(1, 9), None, false),
    ] {
        let h = lookout::store::NewHazard {
            unit_id: unit,
            reporter_id: person_id,
            category: "other",
            description: "x",
            major,
            location: None,
            at: created,
        };
        let id = tx.insert_hazard(&h).await.expect("hazard");
        tx.set_hazard_state(
            id,
            lookout::store::HazardState::Acknowledged,
            created + acked_after,
        )
        .await
        .expect("ack");
        tx.set_rectify_due(id, Some(due)).await.expect("due");
        if let Some(t) = rectified {
            tx.set_hazard_state(id, lookout::store::HazardState::Rectified, t)
                .await
                .expect("rectified");
            tx.set_hazard_state(id, lookout::store::HazardState::Closed, t + min)
                .await
                .expect("closed");
        }
    }
    tx.commit().await.expect("commit");
    let mut tx = store.begin_read().await.expect("read");
    let figures = tx
        .zero_stats("2026-11-01", "2026-11-30")
        .await
        .expect("stats");
    let of = |u: &str| {
        figures
            .iter()
            .find(|s| s.unit_id == u)
            .cloned()
            .expect("unit row")
    };
    // By hand: lijia 30 expected; late on 5,10,15,20,25 (30 is silent) = 5; on time 29 - 5 = 24.
    let li = of("lijia");
    assert_eq!(
        (li.expected, li.on_time, li.late, li.missing(), li.incidents),
        (30, 24, 5, 1, 0)
    );
    // nanjiao: 15 odd days answered on time, 15 missing, 2 incidents.
    let nj = of("nanjiao");
    assert_eq!(
        (nj.expected, nj.on_time, nj.late, nj.missing(), nj.incidents),
        (30, 15, 0, 15, 2)
    );
    let wc = of("wangcun");
    assert_eq!(
        (wc.expected, wc.on_time, wc.late, wc.missing()),
        (15, 15, 0, 0)
    );
    assert_eq!(of("zhoucun").expected, 0);
    assert_eq!(lookout::stats::rate(&li), "80.0%");
    // The command line gives the same figures.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args([
            "stats",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
        ])
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("runs");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("lijia,李家村,30,24,5,1,0,0.8000,2,1,1,1,1,0,0,0,0,0,0,0,0,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("nanjiao,南郊镇,30,15,0,15,2,0.5000,1,1,0,0,1,0,0,0,0,0,0,0,0,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("zhoucun,周村区,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,0,0,0,\n"),
        "{csv}"
    );
}
