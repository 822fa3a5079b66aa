//! The escalation engine and the scheduler, through the real bot: chains reach each level at
//! its offset, acknowledgement stops them, restarts neither lose nor repeat a step, two
//! schedulers share one database, and the fire-season override.
//!
//! Chains run in minutes and hours on a clock the test drives; one (the three-step chain) runs
//! end to end on the real clock, in seconds, timing each level.

use crate::common::{Backend, TestBot, TestClock, WAIT};
use lookout::config::{Config, Span};
use lookout::escalation::{self, Item, Policy};
use lookout::org::Role;
use lookout::sim::{SimUser, Simulator};
use std::collections::BTreeMap;
use std::time::Duration;

both_backends!(
    three_step_chain_reaches_each_level_on_time,
    acknowledging_at_any_step_stops_the_chain,
    unauthorised_acknowledgement_is_refused,
    restart_mid_chain_neither_loses_nor_repeats,
    snooze_and_ack_timeout,
    a_snooze_that_ends_before_the_next_step_keeps_the_chain,
    season_override_is_admin_only_and_announced,
    schedules_plan_one_firing_at_a_time,
);

fn secs(list: &[u32]) -> Vec<Span> {
    list.iter().map(|s| Span::seconds(*s)).collect()
}

fn item(subject: &str, unit: &str, policy: Policy, since: i64) -> Item {
    Item {
        subject: subject.into(),
        unit_id: unit.into(),
        what_key: "what-generic".into(),
        what_args: BTreeMap::from([("text".to_string(), format!("test item {subject}"))]),
        since,
        policy,
    }
}

fn mins(list: &[u32]) -> Vec<Span> {
    list.iter().map(|m| Span::minutes(*m)).collect()
}

/// Noon in July: outside the fire season, so the default zero-report schedule does nothing
/// while the chains below run for hours.
fn noon() -> TestClock {
    TestClock::at("2026-07-15 12:00")
}

fn esc(id: i64) -> String {
    format!("esc:{id}")
}

/// Start a chain the way a feature does, in its own transaction; returns (id, chain start).
async fn start(bot: &TestBot, it: Item) -> (i64, i64) {
    let now = bot.now_ms();
    let mut tx = bot.store.begin().await.expect("tx");
    let id = escalation::start(&mut tx, &it, now)
        .await
        .expect("start")
        .expect("new chain");
    tx.commit().await.expect("commit");
    bot.notify();
    (id, now)
}

/// Supervisors of lijia < wangcun < zhoucun, in that order, plus lijia's duty room.
async fn people(bot: &TestBot) -> (SimUser, SimUser, SimUser, i64) {
    let s1 = bot.sim.user(11, "村带班", Some("zh"));
    let s2 = bot.sim.user(12, "Town Lead", Some("en"));
    let s3 = bot.sim.user(13, "区领导", Some("zh"));
    bot.join(&s1, "lijia", Role::Supervisor).await;
    bot.join(&s2, "wangcun", Role::Supervisor).await;
    bot.join(&s3, "zhoucun", Role::Supervisor).await;
    let room = bot.sim.group(-100, "李家村值班室");
    s1.in_group(&room).send_text("/bind lijia");
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.text().contains("李家村"))
        .await
        .expect("room bound");
    (s1, s2, s3, room.id())
}

fn alerts(sim: &Simulator, chat: i64, id: i64) -> usize {
    let tag = format!("E-{id}");
    sim.sent(chat)
        .iter()
        .filter(|m| m.text().contains(&tag) && !m.buttons.is_empty())
        .count()
}

async fn three_step_chain_reaches_each_level_on_time(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let (s1, s2, s3, room) = people(&bot).await;
    let (id, t0) = start(
        &bot,
        item(
            "chain",
            "lijia",
            Policy::new(&secs(&[0, 1, 2])),
            bot.now_ms() - 60_000,
        ),
    )
    .await;
    let tag = format!("E-{id}");
    let l1 = bot
        .sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 1");
    assert!(
        l1.text().contains("第 1 级")
            && l1.text().contains("李家村")
            && l1.text().contains("test item chain"),
        "{}",
        l1.text()
    );
    bot.sim
        .wait_for(room, WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 1 duty room");
    let l2 = bot
        .sim
        .wait_for(s2.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 2");
    assert!(
        l2.text().contains("Level 2") && l2.text().contains("村带班"),
        "names who was notified: {}",
        l2.text()
    );
    let l3 = bot
        .sim
        .wait_for(s3.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 3");
    assert!(
        l3.text().contains("第 3 级") && l3.text().contains("Town Lead"),
        "{}",
        l3.text()
    );
    // Each level at its offset (the audit trail records when), each person once.
    for (level, offset) in [(1, 0), (2, 1000), (3, 2000)] {
        let at = bot.count(&format!("SELECT MIN(at) FROM escalation_events WHERE escalation_id = {id} AND kind = 'notified' AND level = {level}")).await;
        let late = at - (t0 + offset);
        assert!(
            (0..1000).contains(&late),
            "level {level} fired {late} ms after its due time"
        );
    }
    bot.wait_count(
        &format!("SELECT COUNT(*) FROM timers WHERE grp = 'esc:{id}' AND state = 'pending'"),
        0,
    )
    .await;
    assert_eq!(
        (
            alerts(&bot.sim, s1.id(), id),
            alerts(&bot.sim, s2.id(), id),
            alerts(&bot.sim, s3.id(), id)
        ),
        (1, 1, 1)
    );
}

async fn acknowledging_at_any_step_stops_the_chain(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, s2, s3, room) = people(&bot).await;
    let users = [&s1, &s2, &s3];
    for step in 0..3usize {
        let (id, _) = start(
            &bot,
            item(
                &format!("ack{step}"),
                "lijia",
                Policy::new(&mins(&[0, 30, 60])),
                bot.now_ms(),
            ),
        )
        .await;
        let tag = format!("E-{id}");
        // On to the level that acknowledges.
        for _ in 0..step {
            bot.advance_to_timer(&esc(id)).await;
        }
        let who = users[step];
        let alert = bot
            .sim
            .wait_for(who.id(), WAIT, |m| {
                m.text().contains(&tag) && !m.buttons.is_empty()
            })
            .await
            .expect("alert");
        let data = alert.button_data().into_iter().next().expect("ack button");
        who.press(&alert, &data);
        // Everyone notified so far hears who took it; the chain is stopped in the same transaction.
        for u in &users[..=step] {
            bot.sim
                .wait_for(u.id(), WAIT, |m| {
                    m.text().contains(&format!("test item ack{step}"))
                        && m.text().contains(&who.name())
                })
                .await
                .expect("told who took it");
        }
        bot.sim
            .wait_for(room, WAIT, |m| {
                m.text().contains(&format!("test item ack{step}")) && m.text().contains(&who.name())
            })
            .await
            .expect("room told");
        bot.wait_count(
            &format!("SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'acknowledged'"),
            1,
        )
        .await;
        assert_eq!(
            bot.count(&format!(
                "SELECT COUNT(*) FROM timers WHERE grp = 'esc:{id}' AND state = 'pending'"
            ))
            .await,
            0
        );
        // Past the whole chain: the later levels still hear nothing.
        bot.advance(Duration::from_secs(2 * 3600)).await;
        for later in &users[step + 1..] {
            assert_eq!(
                alerts(&bot.sim, later.id(), id),
                0,
                "no alert after the acknowledgement"
            );
        }
    }
    // A second acknowledgement says who already took it.
    let reply = bot.ask(&s3, "/ack E-1").await;
    assert!(reply.text().contains("村带班"), "{}", reply.text());
}

async fn unauthorised_acknowledgement_is_refused(b: Backend) {
    // On a test clock: level 2 must still be pending at the end however long the test takes.
    let bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, _s2, _s3, _room) = people(&bot).await;
    let sibling = bot.sim.user(21, "Other Town", Some("en"));
    let worker = bot.sim.user(22, "Worker", Some("en"));
    bot.join(&sibling, "nanjiao", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    let (id, _) = start(
        &bot,
        item(
            "refuse",
            "lijia",
            Policy::new(&mins(&[0, 30])),
            bot.now_ms(),
        ),
    )
    .await;
    let alert = bot
        .sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains(&format!("E-{id}")))
        .await
        .expect("alert");
    let data = alert.button_data().into_iter().next().expect("button");
    assert!(bot
        .ask(&sibling, &format!("/ack E-{id}"))
        .await
        .text()
        .contains("may not"));
    assert!(bot
        .ask(&worker, &format!("/ack E-{id}"))
        .await
        .text()
        .contains("may not"));
    let stranger = bot.sim.user(23, "Nobody", Some("en"));
    assert!(bot
        .ask(&stranger, &format!("/ack E-{id}"))
        .await
        .text()
        .contains("may not"));
    worker.press(&alert, &data); // a stale or forwarded button is checked the same way
    let deadline = tokio::time::Instant::now() + WAIT;
    while !worker
        .callback_answers()
        .iter()
        .any(|(_, t)| t.as_deref().is_some_and(|t| t.contains("may not")))
    {
        assert!(tokio::time::Instant::now() < deadline, "no refusal popup");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(bot
        .ask(&s1, "/ack E-999")
        .await
        .text()
        .contains("找不到事项 E-999"));
    assert!(bot.ask(&s1, "/ack").await.text().contains("用法"));
    assert!(bot
        .ask(&s1, "/ack H-1")
        .await
        .text()
        .contains("找不到隐患 H-1"));
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'open'"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM timers WHERE grp = 'esc:{id}' AND state = 'pending'"
        ))
        .await,
        1
    );
}

async fn restart_mid_chain_neither_loses_nor_repeats(b: Backend) {
    let mut bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, s2, s3, _room) = people(&bot).await;
    let (id, t0) = start(
        &bot,
        item(
            "restart",
            "lijia",
            Policy::new(&mins(&[0, 30, 60])),
            bot.now_ms(),
        ),
    )
    .await;
    let tag = format!("E-{id}");
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 1");
    bot.settle().await;
    bot.kill();
    // Stay down past step 2's due time: it must fire once when the bot is back.
    bot.test_clock().jump_to(t0 + 35 * 60_000);
    bot.start().await;
    bot.sim
        .wait_for(s2.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 2 after restart");
    bot.settle().await;
    bot.restart().await;
    // The late step kept the chain's offsets: level 3 is due an hour after the start.
    assert_eq!(bot.advance_to_timer(&esc(id)).await, t0 + 3_600_000);
    bot.sim
        .wait_for(s3.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 3 on time");
    bot.wait_count(
        &format!("SELECT COUNT(*) FROM timers WHERE grp = 'esc:{id}' AND state = 'pending'"),
        0,
    )
    .await;
    for level in 1..=3 {
        // Level 1 is the supervisor and the duty room; the others one supervisor each.
        let expected = if level == 1 { 2 } else { 1 };
        let n = bot.count(&format!("SELECT COUNT(*) FROM escalation_events WHERE escalation_id = {id} AND kind = 'notified' AND level = {level}")).await;
        assert_eq!(n, expected, "level {level} notified exactly once");
    }
    assert_eq!(
        (
            alerts(&bot.sim, s1.id(), id),
            alerts(&bot.sim, s2.id(), id),
            alerts(&bot.sim, s3.id(), id)
        ),
        (1, 1, 1)
    );
}

/// Replicas share PostgreSQL only: a second server on a SQLite file is refused (tests/it/ops.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_run_each_timer_once_on_postgres() {
    two_schedulers_run_each_timer_once(Backend::Postgres).await
}

async fn two_schedulers_run_each_timer_once(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, _s2, _s3, _room) = people(&bot).await;
    // A second replica on the same database (and clock): it sends and runs timers but does
    // not poll.
    let mut second = bot.settings();
    second.poll = false;
    let replica = lookout::app::start(second).await.expect("replica starts");
    const N: usize = 40;
    let mut tx = bot.store.begin().await.expect("tx");
    let now = bot.now_ms();
    for k in 0..N {
        escalation::start(
            &mut tx,
            &item(&format!("pair{k}"), "lijia", Policy::new(&mins(&[1])), now),
            now,
        )
        .await
        .expect("start");
    }
    tx.commit().await.expect("commit");
    // A minute on, both schedulers woken at once: they race for the same due timers. (Quiet
    // first, as `advance_to` is: no send may be on its way when the clock jumps.)
    bot.quiesce().await;
    bot.test_clock().jump_to(now + 60_000);
    bot.notify();
    replica.wake.timers.notify_one();
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE next_step = 1",
        N as i64,
    )
    .await;
    // Each chain's one step ran once: one notification per recipient (supervisor + room).
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM escalation_events WHERE kind = 'notified'")
            .await,
        2 * N as i64
    );
    bot.sim
        .wait_for_count(s1.id(), N + 1, WAIT)
        .await
        .expect("all alerts");
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    let alerts_to_s1 = bot
        .sim
        .sent(s1.id())
        .iter()
        .filter(|m| m.text().contains("test item pair"))
        .count();
    assert_eq!(alerts_to_s1, N);
    replica.kill();
}

async fn snooze_and_ack_timeout(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, s2, _s3, _room) = people(&bot).await;
    // Level 2 is due 30 min after level 1, and the one-hour snooze below outlasts it: level 2
    // comes when the snooze ends.
    let policy = Policy::new(&mins(&[0, 30])).ack_timeout(Span::hours(2));
    let (id, _) = start(&bot, item("snooze", "lijia", policy, bot.now_ms())).await;
    let tag = format!("E-{id}");
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 1");
    // Pausing needs a reason and a supervisor; a bad request changes nothing.
    assert!(bot
        .ask(&s1, &format!("/snooze {tag} 2h"))
        .await
        .text()
        .contains("用法"));
    s1.send_text(&format!("/snooze {tag} 1h 已电话联系村主任"));
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains("已暂停"))
        .await
        .expect("snoozed");
    // Everyone notified hears of the pause and its reason.
    bot.sim
        .wait_for(s1.id(), WAIT, |m| {
            m.text().contains("原因：已电话联系村主任")
        })
        .await
        .expect("notice");
    assert_eq!(bot.count(&format!("SELECT COUNT(*) FROM escalation_events WHERE escalation_id = {id} AND kind = 'snoozed' AND note = '已电话联系村主任'")).await, 1);
    // The chain resumes after the pause with level 2 (the snooze's wake is its only timer).
    bot.advance_to_timer(&esc(id)).await;
    let l2 = bot
        .sim
        .wait_for(s2.id(), WAIT, |m| {
            m.text().contains(&tag) && m.text().contains("Level 2")
        })
        .await
        .expect("level 2 after the snooze");
    assert!(bot.count(&format!("SELECT MIN(at) FROM escalation_events WHERE escalation_id = {id} AND level = 2")).await
        >= bot.count(&format!("SELECT at FROM escalation_events WHERE escalation_id = {id} AND kind = 'snoozed'")).await + 3_600_000);
    // Acknowledged but never resolved: after the timeout the chain starts again at level 1.
    s2.press(&l2, &l2.button_data()[0]);
    bot.wait_count(
        &format!("SELECT COUNT(*) FROM escalations WHERE id = {id} AND state = 'acknowledged'"),
        1,
    )
    .await;
    let acked = bot
        .count(&format!("SELECT acked_at FROM escalations WHERE id = {id}"))
        .await;
    assert_eq!(bot.advance_to_timer(&esc(id)).await, acked + 2 * 3_600_000);
    bot.wait_count(&format!("SELECT COUNT(*) FROM escalation_events WHERE escalation_id = {id} AND kind = 'retriggered'"), 1).await;
    bot.sim
        .wait_for(s1.id(), WAIT, |m| {
            m.text().contains(&tag) && m.text().contains("Town Lead")
        })
        .await
        .expect("level 1 again, naming who was notified");
}

/// A snooze shorter than the wait for the next step: the step comes at its own time, not never
/// (its timer, cancelled by the snooze, must be replaced under a key of its own).
async fn a_snooze_that_ends_before_the_next_step_keeps_the_chain(b: Backend) {
    let bot = TestBot::spawn_fast_on(b, Config::default(), noon()).await;
    let (s1, s2, _s3, _room) = people(&bot).await;
    let (id, started) = start(
        &bot,
        item(
            "short-snooze",
            "lijia",
            Policy::new(&mins(&[0, 60])),
            bot.now_ms(),
        ),
    )
    .await;
    let tag = format!("E-{id}");
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains(&tag))
        .await
        .expect("level 1");
    s1.send_text(&format!("/snooze {tag} 10m 正在核实"));
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains("已暂停"))
        .await
        .expect("snoozed");
    // The wake after ten minutes, then the step at its own time.
    bot.advance_to_timer(&esc(id)).await;
    assert_eq!(bot.advance_to_timer(&esc(id)).await, started + 3_600_000);
    bot.sim
        .wait_for(s2.id(), WAIT, |m| {
            m.text().contains(&tag) && m.text().contains("Level 2")
        })
        .await
        .expect("level 2 at its own time after a short snooze");
    let at = bot
        .count(&format!(
            "SELECT MIN(at) FROM escalation_events WHERE escalation_id = {id} AND level = 2"
        ))
        .await;
    assert!(
        at >= started + 3_600_000,
        "level 2 came {} ms after the start",
        at - started
    );
}

async fn season_override_is_admin_only_and_announced(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let (s1, s2, _s3, _room) = people(&bot).await;
    let admin = bot.sim.user(31, "Admin", Some("en"));
    bot.join(&admin, "zhoucun", Role::Admin).await;
    assert!(bot
        .ask(&s1, "/season off")
        .await
        .text()
        .contains("只有管理员"));
    assert!(bot
        .ask(&admin, "/season maybe")
        .await
        .text()
        .contains("Usage"));
    let reply = bot.ask(&admin, "/season off").await;
    assert!(
        reply.text().contains("forced off") && reply.text().contains("is off now"),
        "{}",
        reply.text()
    );
    bot.sim
        .wait_for(s1.id(), WAIT, |m| m.text().contains("强制关闭"))
        .await
        .expect("announced in Chinese");
    bot.sim
        .wait_for(s2.id(), WAIT, |m| {
            m.text().contains("Admin set the fire season: forced off")
        })
        .await
        .expect("announced in English");
    assert!(bot.ask(&s2, "/season").await.text().contains("forced off"));
    let reply = bot.ask(&admin, "/season auto").await;
    assert!(reply.text().contains("11-01..05-31"), "{}", reply.text());
}

async fn schedules_plan_one_firing_at_a_time(b: Backend) {
    let mut config = Config::default();
    config.zero_report.remind = lookout::config::CronSchedule::parse("0 0 * * * *").expect("cron");
    let mut bot = TestBot::spawn_fast_on(b, config, noon()).await;
    let group = "sched:zero_report.remind";
    let remind = "SELECT COUNT(*) FROM timers WHERE grp = 'sched:zero_report.remind'";
    assert_eq!(
        bot.count(&format!("{remind} AND state = 'pending'")).await,
        1
    );
    // Hourly: 13:00 and 14:00 fire, each planning the next.
    for _ in 0..2 {
        bot.advance_to_timer(group).await;
    }
    bot.wait_count(&format!("{remind} AND state = 'done'"), 2)
        .await;
    bot.settle().await;
    bot.restart().await;
    bot.advance_to_timer(group).await;
    bot.wait_count(&format!("{remind} AND state = 'done'"), 3)
        .await;
    assert_eq!(
        bot.count(&format!("{remind} AND state = 'pending'")).await,
        1,
        "exactly the next firing"
    );
    let distinct = bot.count("SELECT COUNT(DISTINCT due_at) FROM timers WHERE grp = 'sched:zero_report.remind' AND state = 'done'").await;
    assert_eq!(
        distinct,
        bot.count(&format!("{remind} AND state = 'done'")).await,
        "no firing twice"
    );
    // A changed expression is re-planned on restart.
    bot.settle().await;
    bot.kill();
    bot.config.zero_report.remind =
        lookout::config::CronSchedule::parse("0 0 8 * * *").expect("cron");
    bot.start().await;
    assert_eq!(
        bot.count(&format!(
            "{remind} AND state = 'pending' AND payload LIKE '%0 0 8%'"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count(&format!("{remind} AND state = 'pending'")).await,
        1
    );
    // The deadline, summary and shift-change schedules are planned too.
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM timers WHERE grp LIKE 'sched:%' AND state = 'pending'")
            .await,
        4
    );
}
