//! Duty rosters (值班表) through the real bot and the real command line: today's duty
//! officer gets the reminder, today's leader gets the alert, units without a roster work as
//! before, an unreachable leader falls back to every supervisor, `/duty` names who is on,
//! and a roster file is imported whole or not at all.

use crate::common::{hhmm, is_reminder, lookout, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::roster::Entry;
use lookout::sim::{SentMessage, SimUser};

both_backends!(
    reminders_and_alerts_go_to_who_is_on_shift,
    an_unreachable_leader_on_shift_falls_back_to_every_supervisor,
    the_handover_reaches_the_incoming_officer_and_tomorrows_gap_is_reported,
    a_swap_needs_the_colleagues_yes_and_is_refused_when_it_cannot_be,
    statistics_count_what_the_people_on_shift_did,
    roster_files_are_imported_whole_or_not_at_all,
);

/// A morning's round (remind 08:00, deadline 10:00, escalation at once) and shifts that start
/// at 08:30, so the 08:00 reminder still belongs to the day before's shift.
fn config() -> Config {
    let text =
        "[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
                deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\nnag = \"80%\"\n\
                escalate = [\"0s\", \"30m\"]\n[roster]\nshift_start = \"08:30\"\n";
    Config::parse(text, "test.toml").expect("test config")
}

const REMIND: &str = "sched:zero_report.remind";
const SHIFT: &str = "sched:roster.shift";
const DEADLINE: &str = "sched:zero_report.deadline";

fn is_alert(m: &SentMessage) -> bool {
    m.button_data().iter().any(|d| d.starts_with("ack:"))
}

/// How many of the messages `user` got contain `needle`.
fn texts_with(bot: &TestBot, user: &SimUser, needle: &str) -> usize {
    bot.sim
        .sent(user.id())
        .iter()
        .filter(|m| m.text().contains(needle))
        .count()
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn put_on_shift(bot: &TestBot, on: &[(&str, &str, Role, &SimUser)]) {
    let mut entries = Vec::new();
    for (d, unit, role, user) in on {
        entries.push(Entry {
            day: day(d),
            unit_id: unit.to_string(),
            role: *role,
            person_id: bot.person_id(user).await,
        });
    }
    let mut tx = bot.store.begin().await.expect("tx");
    tx.replace_roster(&entries).await.expect("roster");
    tx.commit().await.expect("commit");
}

async fn reminders_and_alerts_go_to_who_is_on_shift(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, config(), TestClock::at("2026-11-16 07:00")).await;
    let officer = |id, name| bot.sim.user(id, name, Some("en"));
    let (a, b2) = (officer(51, "Officer A"), officer(52, "Officer B"));
    let (c, d) = (officer(53, "Officer C"), officer(54, "Officer D"));
    let (lead1, lead2) = (officer(55, "Leader One"), officer(56, "Leader Two"));
    for (u, unit) in [
        (&a, "lijia"),
        (&b2, "lijia"),
        (&c, "nanjiao"),
        (&d, "nanjiao"),
    ] {
        bot.join(u, unit, Role::DutyOfficer).await;
    }
    bot.join(&lead1, "lijia", Role::Supervisor).await;
    bot.join(&lead2, "lijia", Role::Supervisor).await;
    // 李家村 has a roster: B the night before (the 08:00 reminder is still that shift's),
    // A from 08:30; Leader Two leads today. 南郊镇 has none.
    put_on_shift(
        &bot,
        &[
            ("2026-11-15", "lijia", Role::DutyOfficer, &b2),
            ("2026-11-16", "lijia", Role::DutyOfficer, &a),
            ("2026-11-16", "lijia", Role::Supervisor, &lead2),
        ],
    )
    .await;

    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    bot.sim
        .wait_for(b2.id(), WAIT, is_reminder)
        .await
        .expect("the officer on the night shift is reminded");
    for u in [&c, &d] {
        bot.sim
            .wait_for(u.id(), WAIT, is_reminder)
            .await
            .expect("without a roster, every duty officer is reminded");
    }
    bot.quiesce().await;
    assert!(
        !bot.sim.sent(a.id()).iter().any(is_reminder),
        "the officer whose shift has not begun is not reminded"
    );

    // /duty after 08:30 names today's shift, and says where there is no roster.
    bot.advance(std::time::Duration::from_secs(45 * 60)).await;
    let duty = bot.ask(&a, "/duty").await;
    let text = duty.text();
    assert!(
        text.contains("2026-11-16")
            && text.contains("Officer A")
            && text.contains("Leader Two")
            && !text.contains("Officer B"),
        "{text}"
    );
    assert!(
        text.contains("no roster"),
        "the town above has none: {text}"
    );

    // Nobody answers: at the deadline the alert goes to today's leader only in 李家村.
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    bot.sim
        .wait_for(lead2.id(), WAIT, is_alert)
        .await
        .expect("the leader on shift is alerted");
    bot.quiesce().await;
    assert!(
        !bot.sim.sent(lead1.id()).iter().any(is_alert),
        "the leader off shift is not"
    );
    // The shift changed mid-round: the 09:36 nag went to the officer on the new shift.
    let reminders = |u: &SimUser| {
        bot.sim
            .sent(u.id())
            .iter()
            .filter(|m| is_reminder(m))
            .count()
    };
    assert_eq!(
        (reminders(&b2), reminders(&a)),
        (1, 1),
        "B at 08:00, A at 09:36"
    );
}

async fn an_unreachable_leader_on_shift_falls_back_to_every_supervisor(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, config(), TestClock::at("2026-11-16 09:00")).await;
    let officer = bot.sim.user(61, "Officer", Some("en"));
    let on = bot.sim.user(62, "On Shift", Some("en"));
    let other = bot.sim.user(63, "Off Shift", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&on, "lijia", Role::Supervisor).await;
    bot.join(&other, "lijia", Role::Supervisor).await;
    put_on_shift(&bot, &[("2026-11-16", "lijia", Role::Supervisor, &on)]).await;
    // Telegram refused the leader on shift (blocked the bot): they cannot be reached.
    let unreachable = format!(
        "UPDATE people SET unreachable = TRUE WHERE tg_user_id = {}",
        on.id()
    );
    bot.exec(&unreachable).await;

    // Tomorrow's round goes unanswered.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    bot.sim
        .wait_for(other.id(), WAIT, is_alert)
        .await
        .expect("with nobody on shift reachable (no roster for 11-17), every supervisor");
    // The next day has a roster again, but its leader is unreachable: every supervisor too.
    put_on_shift(&bot, &[("2026-11-18", "lijia", Role::Supervisor, &on)]).await;
    let alerts = bot
        .sim
        .sent(other.id())
        .iter()
        .filter(|m| is_alert(m))
        .count();
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    bot.sim
        .wait_for_all(other.id(), WAIT, |m| {
            m.iter().filter(|m| is_alert(m)).count() > alerts
        })
        .await
        .expect("the leader on shift unreachable: the others are alerted");
    assert!(!bot.sim.sent(on.id()).iter().any(is_alert));
}

async fn the_handover_reaches_the_incoming_officer_and_tomorrows_gap_is_reported(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, config(), TestClock::at("2026-11-16 07:00")).await;
    let incoming = bot.sim.user(81, "Incoming", Some("en"));
    let outgoing = bot.sim.user(82, "Outgoing", Some("en"));
    let lead = bot.sim.user(83, "Leader", Some("en"));
    let elsewhere = bot.sim.user(84, "No Roster Leader", Some("en"));
    bot.join(&incoming, "lijia", Role::DutyOfficer).await;
    bot.join(&outgoing, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    bot.join(&elsewhere, "nanjiao", Role::Supervisor).await;
    // Nobody is planned for the 17th.
    put_on_shift(
        &bot,
        &[
            ("2026-11-15", "lijia", Role::DutyOfficer, &outgoing),
            ("2026-11-16", "lijia", Role::DutyOfficer, &incoming),
        ],
    )
    .await;
    // A warning the incoming officer has not confirmed yet is handed over too.
    let tally = bot.ask(&lead, "/warn lijia yellow Gale tonight").await;
    assert!(tally.text().contains("W-1"), "{}", tally.text());

    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert_eq!(hhmm(bot.advance_to_timer(SHIFT).await), "08:30");
    let handover = bot
        .sim
        .wait_for(incoming.id(), WAIT, |m| m.text().contains("Handover"))
        .await
        .expect("the incoming officer gets the handover");
    let text = handover.text();
    assert!(
        text.contains("李家村")
            && text.contains("2026-11-16")
            && text.contains("Today's zero report: not answered yet")
            && text.contains("Warnings waiting for confirmation: W-1"),
        "{text}"
    );
    // One line per feature, in the order the handover always had.
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines[1..],
        [
            "Open alerts",
            "Hazards past their deadline",
            "Warnings waiting for confirmation",
            "Today's zero report"
        ],
        "{text}"
    );
    bot.sim
        .wait_for(outgoing.id(), WAIT, |m| {
            m.text()
                .contains("Handover for 李家村 delivered to Incoming")
        })
        .await
        .expect("the outgoing officer is told it was delivered");
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("Nobody on duty tomorrow") && m.text().contains("2026-11-17")
        })
        .await
        .expect("tomorrow's gap goes to the unit's supervisors");
    bot.quiesce().await;
    assert!(
        texts_with(&bot, &elsewhere, "Nobody on duty") == 0,
        "a unit that keeps no roster has no gaps"
    );
    assert_eq!(texts_with(&bot, &incoming, "Handover"), 1);
}

async fn a_swap_needs_the_colleagues_yes_and_is_refused_when_it_cannot_be(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, config(), TestClock::at("2026-11-16 09:00")).await;
    let me = bot.sim.user(91, "Asker", Some("en"));
    let mate = bot.sim.user(92, "Mate", Some("en"));
    let grid = bot.sim.user(93, "Gridder", Some("en"));
    let far = bot.sim.user(94, "Faraway", Some("en"));
    let lead = bot.sim.user(95, "Lead", Some("en"));
    bot.join(&me, "lijia", Role::DutyOfficer).await;
    bot.join(&mate, "lijia", Role::DutyOfficer).await;
    bot.join(&grid, "lijia", Role::GridWorker).await;
    bot.join(&far, "nanjiao", Role::DutyOfficer).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    put_on_shift(&bot, &[("2026-11-18", "lijia", Role::DutyOfficer, &me)]).await;

    let (botr, mer) = (&bot, &me);
    let ask = |text: &'static str| async move { botr.ask(mer, text).await.text().to_string() };
    assert!(ask("/swap").await.contains("Usage"));
    assert!(ask("/swap 2026-11-15 @mate").await.contains("has passed"));
    assert!(ask("/swap 2026-11-19 @mate")
        .await
        .contains("not on the roster"));
    assert!(ask("/swap 2026-11-18 @nobody")
        .await
        .contains("Nobody with the username"));
    assert!(ask("/swap 2026-11-18 @gridder")
        .await
        .contains("does not have your role"));
    assert!(ask("/swap 2026-11-18 @faraway")
        .await
        .contains("does not have your role"));
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM roster_swaps").await,
        0,
        "refusals ask nobody"
    );

    let asked = ask("/swap 2026-11-18 @mate").await;
    assert!(asked.contains("Asked @mate"), "{asked}");
    let question = bot
        .sim
        .wait_for(mate.id(), WAIT, |m| m.text().contains("asks you to take"))
        .await
        .expect("the colleague is asked");
    // Only the colleague's press counts.
    let accept = question.button("✅ Accept").expect("accept button");
    grid.press(&question, &accept);
    mate.press(&question, &accept);
    bot.sim
        .wait_for(me.id(), WAIT, |m| {
            m.text().contains("Mate took your 2026-11-18 shift")
        })
        .await
        .expect("the asker is told");
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("Roster change: Mate takes Asker's")
        })
        .await
        .expect("the unit's supervisors are told");
    bot.sim
        .wait_for(mate.id(), WAIT, |m| {
            m.message_id == question.message_id && m.text().contains("You took")
        })
        .await
        .expect("the question shows the answer");
    let mate_id = bot.person_id(&mate).await;
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM roster WHERE day = '2026-11-18' AND person_id = {mate_id}"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM roster WHERE day = '2026-11-18'")
            .await,
        1,
        "the asker's place is the colleague's now"
    );
    // A second press changes nothing.
    mate.press(&question, &accept);
    bot.quiesce().await;
    assert_eq!(texts_with(&bot, &me, "took your"), 1);
}

/// Three mornings in 李家村: an answer by someone while another was on shift, one by the
/// officer on shift, and a silent round whose alert the leader on shift takes at level 1.
async fn statistics_count_what_the_people_on_shift_did(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, config(), TestClock::at("2026-11-16 07:00")).await;
    let night = bot.sim.user(101, "Night", Some("en"));
    let day_officer = bot.sim.user(102, "Day", Some("en"));
    let lead = bot.sim.user(103, "Lead", Some("en"));
    bot.join(&night, "lijia", Role::DutyOfficer).await;
    bot.join(&day_officer, "lijia", Role::DutyOfficer).await;
    bot.join(&lead, "lijia", Role::Supervisor).await;
    put_on_shift(
        &bot,
        &[
            ("2026-11-15", "lijia", Role::DutyOfficer, &night),
            ("2026-11-16", "lijia", Role::DutyOfficer, &day_officer),
            ("2026-11-17", "lijia", Role::DutyOfficer, &night),
            ("2026-11-18", "lijia", Role::Supervisor, &lead),
        ],
    )
    .await;
    // 11-16 08:00 belongs to the 15th's shift (Night's): Day answers anyway.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert!(bot
        .ask(&day_officer, "/zero")
        .await
        .text()
        .starts_with("Recorded"));
    // 11-17 08:00 still belongs to the 16th's shift: Day's own.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert!(bot
        .ask(&day_officer, "/zero")
        .await
        .text()
        .starts_with("Recorded"));
    // 11-18: nobody answers; the leader on shift takes the level-1 alert.
    assert_eq!(hhmm(bot.advance_to_timer(REMIND).await), "08:00");
    assert_eq!(hhmm(bot.advance_to_timer(DEADLINE).await), "10:00");
    let alert = bot
        .sim
        .wait_for(lead.id(), WAIT, is_alert)
        .await
        .expect("the leader on shift is alerted");
    lead.press(&alert, &alert.button_data()[0]);
    // Taken once the press is handled (the lead's earlier messages would match any wait on
    // the chat).
    bot.wait_count(
        "SELECT COUNT(*) FROM escalation_events WHERE kind = 'acknowledged'",
        1,
    )
    .await;
    bot.quiesce().await;

    let out = lookout(
        &bot.db.url,
        &[
            "stats",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-18",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let header: Vec<&str> = csv.lines().next().unwrap_or_default().split(',').collect();
    let columns = [
        "answered_on_shift",
        "answered_by_others",
        "taken_on_shift_at_level_1",
    ];
    let at: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c).expect("the column"))
        .collect();
    let shifts = |unit: &str| -> Vec<String> {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{unit},")))
            .expect("the unit's line");
        let fields: Vec<&str> = line.split(',').collect();
        at.iter().map(|i| fields[*i].to_string()).collect()
    };
    assert_eq!(shifts("lijia"), ["1", "1", "1"], "{csv}");
    assert_eq!(
        shifts("nanjiao"),
        ["0", "0", "0"],
        "no roster, nothing counted: {csv}"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn roster_files_are_imported_whole_or_not_at_all(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let zhang = bot.sim.user(71, "Zhangsan", Some("zh"));
    let li = bot.sim.user(72, "李四", Some("zh"));
    let grid = bot.sim.user(73, "网格员", Some("zh"));
    bot.join(&zhang, "lijia", Role::DutyOfficer).await;
    bot.join(&li, "lijia", Role::DutyOfficer).await;
    bot.join(&li, "wangcun", Role::Supervisor).await;
    bot.join(&grid, "lijia", Role::GridWorker).await;
    let url = bot.db.url.clone();
    let (zhang_id, li_id) = (bot.person_id(&zhang).await, bot.person_id(&li).await);
    let grid_id = bot.person_id(&grid).await;

    let people = lookout(&url, &["people", "--unit", "lijia"]);
    assert!(people.status.success(), "{}", text(&people.stderr));
    let listed = text(&people.stdout);
    assert!(
        listed.starts_with("id,name,username,unit,role\n"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("{zhang_id},Zhangsan,@zhangsan,lijia,duty_officer")),
        "{listed}"
    );
    assert!(!listed.contains("wangcun"), "one unit only: {listed}");

    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        path.to_str().expect("path").to_string()
    };
    let bad = write(
        "bad.csv",
        &format!(
            "date,unit,role,person\n\
             2026-12-01,lijia,duty_officer,@zhangsan\n\
             2026-13-01,lijia,duty_officer,{li_id}\n\
             2026-12-02,nowhere,duty_officer,{li_id}\n\
             2026-12-02,lijia,duty_officer,{grid_id}\n\
             2026-12-01,lijia,duty_officer,{zhang_id}\n"
        ),
    );
    let out = lookout(&url, &["roster", "import", &bad]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for line in [
        "bad.csv:3: invalid date",
        "bad.csv:4: unknown unit \"nowhere\"",
        &format!("bad.csv:5: person {grid_id} is not a duty_officer of 李家村"),
        "bad.csv:6: the same as line 2",
    ] {
        assert!(err.contains(line), "{line:?} in {err}");
    }
    assert_eq!(bot.count("SELECT COUNT(*) FROM roster").await, 0, "nothing");

    let good = write(
        "good.csv",
        &format!(
            "date,unit,role,person\n\
             2026-12-01,lijia,duty_officer,@ZhangSan\n\
             2026-12-01,wangcun,supervisor,{li_id}\n\
             2026-12-02,lijia,duty_officer,{li_id}\n"
        ),
    );
    let out = lookout(&url, &["roster", "import", &good]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains('3'), "{}", text(&out.stdout));
    let export = |args: &[&str]| {
        let mut all = vec!["roster", "export"];
        all.extend_from_slice(args);
        text(&lookout(&url, &all).stdout)
    };
    assert_eq!(
        export(&[]),
        format!(
            "date,unit,role,person\n\
             2026-12-01,wangcun,supervisor,{li_id}\n\
             2026-12-01,lijia,duty_officer,{zhang_id}\n\
             2026-12-02,lijia,duty_officer,{li_id}\n"
        )
    );
    // Importing a day again replaces that day's shift of that unit and role only.
    let swap = write(
        "swap.csv",
        &format!("date,unit,role,person\n2026-12-02,lijia,duty_officer,{zhang_id}\n"),
    );
    assert!(lookout(&url, &["roster", "import", &swap]).status.success());
    assert_eq!(
        export(&["--unit", "lijia", "--from", "2026-12-02"]),
        format!("date,unit,role,person\n2026-12-02,lijia,duty_officer,{zhang_id}\n")
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM roster").await, 3);
}
