//! Retention: a pass with the clock past `retention.keep` prunes finished rows and exactly
//! those; what open items may still edit, statistics and the audit trail stay; the task in a
//! running bot prunes at its injected clock's time; a replayed update is not handled twice.

use crate::common::{fresh_db, Backend, TestBot, ORG, WAIT};
use lookout::app;
use lookout::clock::Clock;
use lookout::config::{Config, Span};
use lookout::notice::Notice;
use lookout::org::{file as orgfile, invite, Role};
use lookout::retention::{self, Pruned};
use lookout::stats;
use lookout::store::{Joiner, NewEscalation, NewHazard, NewTimer, NewUpdate, Outgoing, Store};
use lookout::telegram::render::bot_api;
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

both_backends!(
    a_pass_prunes_finished_rows_and_keeps_what_is_needed,
    the_running_bot_prunes_and_a_replay_is_not_handled_twice,
);

const DAY: i64 = 86_400_000;
/// 2026-12-01T00:00Z.
const NOW: i64 = 1_796_083_200_000;
const OLD: i64 = NOW - 100 * DAY;
const RECENT: i64 = NOW - 10 * DAY;
const KEEP: Span = Span::days(90);

async fn count(store: &Store, sql: &str) -> i64 {
    match store {
        Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect(sql),
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect(sql),
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
}

async fn has_message(store: &Store, key: &str) -> bool {
    store.sent_state(key).await.expect("sent state").is_some()
}

/// Queue a message at `at` and record it sent (or given up) as the sender would.
async fn message(store: &Store, key: &str, chat: i64, at: i64, outcome: &str) {
    let mut m = bot_api(&Notice::text(key.into(), chat, format!("text of {key}")));
    if key.starts_with("menu.") {
        m.method = "setMyCommands".into();
    }
    message_of(store, &m, at, outcome).await;
}

async fn message_of(store: &Store, m: &Outgoing, at: i64, outcome: &str) {
    store
        .enqueue(std::slice::from_ref(m), at)
        .await
        .expect("enqueue");
    let sql = format!("SELECT id FROM outbox WHERE idem_key = '{}'", m.idem_key);
    let id = count(store, &sql).await;
    match outcome {
        "sent" => store.message_sent(id, Some(id), at + 1000).await,
        "failed" => store.message_failed(id, "gone").await,
        _ => Ok(()),
    }
    .expect("outcome");
}

async fn timer(store: &Store, key: &str, due_at: i64, outcome: &str) {
    let mut tx = store.begin().await.expect("tx");
    tx.add_timer(&NewTimer {
        key: key.into(),
        group: key.into(),
        kind: "esc.wake".into(),
        payload: json!({ "id": 0 }),
        due_at,
    })
    .await
    .expect("timer");
    match outcome {
        "done" => {
            let t = tx
                .claim_due_timer(due_at)
                .await
                .expect("claim")
                .expect("due");
            assert_eq!(t.key, key);
            tx.finish_timer(t.id, due_at, "ok").await.expect("finish");
        }
        "cancelled" => {
            tx.cancel_timers(key).await.expect("cancel");
        }
        _ => {}
    }
    tx.commit().await.expect("commit");
}

async fn update(store: &Store, update_id: i64, at: i64, handled: bool) {
    let u = NewUpdate {
        update_id,
        chat_key: 7,
        payload: "{}".into(),
    };
    assert_eq!(store.add_updates(&[u], at).await.expect("add"), 1);
    if handled {
        store.finish_stray_update(update_id).await.expect("finish");
    }
}

/// Row counts of every table that statistics or the audit trail read.
async fn kept_tables(store: &Store) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for t in [
        "zero_rounds",
        "zero_expected",
        "zero_answers",
        "hazards",
        "hazard_events",
        "tips",
        "tip_entries",
        "escalations",
        "escalation_events",
        "people",
        "memberships",
    ] {
        out.push((
            t.to_string(),
            count(store, &format!("SELECT COUNT(*) FROM {t}")).await,
        ));
    }
    out
}

async fn figures(store: &Store, config: &Config) -> (String, lookout::store::TipFigures) {
    let f = stats::gather(store, config, "2026-08-01", "2026-12-31", NOW)
        .await
        .expect("stats");
    (stats::csv(&f), f.tips.clone())
}

async fn a_pass_prunes_finished_rows_and_keeps_what_is_needed(b: Backend) {
    let db = fresh_db(b).await;
    let store = app::open_store(&db.url).await.expect("store");
    let config = Config::default();
    let entries = orgfile::parse(ORG, "org.toml", &[]).expect("org");
    let mut tx = store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("units");
    let code = invite::hash_code("CODE");
    tx.create_invite(&code, "lijia", Role::DutyOfficer, 1, None, OLD)
        .await
        .expect("invite");
    let joiner = Joiner {
        tg_user_id: 501,
        name: "值班员",
        username: None,
        lang: "zh-CN",
    };
    let person = match tx.redeem_invite(&code, &joiner, OLD).await.expect("join") {
        lookout::store::RedeemOutcome::Joined { person_id, .. } => person_id,
        other => panic!("{other:?}"),
    };

    // A roster day and a swap older than the window, and a recent roster day.
    let entry = |day: &str| lookout::roster::Entry {
        day: chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("day"),
        unit_id: "lijia".into(),
        role: Role::DutyOfficer,
        person_id: person,
    };
    tx.replace_roster(&[entry("2026-08-23"), entry("2026-11-21")])
        .await
        .expect("roster");
    let swap = lookout::store::Swap {
        id: 0,
        day: entry("2026-08-23").day,
        unit_id: "lijia".into(),
        role: Role::DutyOfficer,
        from_person: person,
        to_person: person,
        state: lookout::store::SwapState::Asked,
    };
    tx.ask_swap(&swap, OLD).await.expect("swap");

    // Two zero-report rounds, both older than the window; the later one is current.
    let before = tx
        .open_round(OLD - DAY, OLD - DAY + 3_600_000, "2026-08-22")
        .await;
    let earlier = before.expect("round").expect("new");
    let current = tx
        .open_round(OLD, OLD + 3_600_000, "2026-08-23")
        .await
        .expect("round")
        .expect("new");
    for (round, at) in [(earlier, OLD - DAY), (current, OLD)] {
        tx.expect_unit(round, "lijia").await.expect("expect");
        tx.add_reminder(round, "lijia", 501, &format!("zr.{round}.lijia.501"))
            .await
            .expect("reminder");
        tx.insert_answer(round, "lijia", None, person, at + 60_000, false)
            .await
            .expect("answer");
    }

    // An open hazard and a closed one, an open escalation and a resolved one, an open tip
    // and a closed one, each with their history.
    let hazard = |at| NewHazard {
        unit_id: "lijia",
        reporter_id: person,
        category: "fire",
        description: "smoke",
        major: false,
        location: None,
        at,
    };
    let open_hz = tx.insert_hazard(&hazard(OLD)).await.expect("hazard");
    let closed_hz = tx.insert_hazard(&hazard(OLD)).await.expect("hazard");
    tx.set_hazard_state(closed_hz, lookout::store::HazardState::Closed, OLD + DAY)
        .await
        .expect("close");
    for h in [open_hz, closed_hz] {
        tx.add_hazard_event(h, OLD, Some(person), "reported", None)
            .await
            .expect("event");
    }
    let escalation = |subject| NewEscalation {
        subject,
        unit_id: "lijia",
        what_key: "hz-what-unacked",
        what_args: "{}",
        policy: "{}",
        since: OLD,
        chain_start: OLD,
    };
    let open_esc = tx
        .insert_escalation(&escalation("hazard:1"))
        .await
        .expect("esc")
        .expect("new");
    let done_esc = tx
        .insert_escalation(&escalation("hazard:2"))
        .await
        .expect("esc")
        .expect("new");
    tx.update_escalation(
        done_esc,
        lookout::store::EscalationState::Resolved,
        1,
        OLD,
        None,
        Some(OLD + DAY),
    )
    .await
    .expect("resolve");
    for e in [open_esc, done_esc] {
        tx.add_event(&lookout::store::Event::of(e, OLD, "notified"))
            .await
            .expect("event");
    }
    let open_tip = tx
        .insert_tip("zhoucun", "l1", "h1", OLD)
        .await
        .expect("tip");
    let closed_tip = tx
        .insert_tip("zhoucun", "l2", "h2", OLD)
        .await
        .expect("tip");
    tx.close_tip(closed_tip, "done", OLD + DAY)
        .await
        .expect("close");

    // Conversations: a stranger's long untouched, a stranger's recent, a member's old.
    tx.set_conversation_lang(900, 900, "en", OLD)
        .await
        .expect("conv");
    tx.set_conversation_lang(901, 901, "en", RECENT)
        .await
        .expect("conv");
    tx.set_conversation_state(
        501,
        501,
        &lookout::conversation::Conversation::IncidentText {
            incident_text: "x".into(),
        },
        OLD,
    )
    .await
    .expect("conv");
    tx.commit().await.expect("commit");

    // Messages. Kept whatever their age: pending, the command menu, what open items and the
    // current round may still edit, and one an edit still waits for.
    message(&store, "old.sent", 501, OLD, "sent").await;
    message(&store, "old.failed", 501, OLD, "failed").await;
    message(&store, "recent.sent", 501, RECENT, "sent").await;
    message(&store, "old.pending", 502, OLD, "pending").await;
    message(&store, "menu.abc", 0, OLD, "sent").await;
    message(
        &store,
        &format!("zr.{earlier}.lijia.501"),
        501,
        OLD - DAY,
        "sent",
    )
    .await;
    message(&store, &format!("zr.{current}.lijia.501"), 501, OLD, "sent").await;
    message(&store, &format!("hz.{open_hz}.501"), 501, OLD, "sent").await;
    message(&store, &format!("hz.{closed_hz}.501"), 501, OLD, "sent").await;
    message(
        &store,
        &format!("esc.{open_esc}.{OLD}.0.501"),
        501,
        OLD,
        "sent",
    )
    .await;
    message(
        &store,
        &format!("esc.{done_esc}.{OLD}.0.501"),
        501,
        OLD,
        "sent",
    )
    .await;
    message(
        &store,
        &format!("tip.{open_tip}.new.501.t"),
        501,
        OLD,
        "sent",
    )
    .await;
    message(
        &store,
        &format!("tip.{closed_tip}.new.501.t"),
        501,
        OLD,
        "sent",
    )
    .await;
    message(&store, "edited.soon", 501, OLD, "sent").await;
    let edit = Outgoing {
        idem_key: "edited.soon.edit".into(),
        method: "editMessageText".into(),
        edit_of: Some("edited.soon".into()),
        ..bot_api(&Notice::text(String::new(), 503, "new".into()))
    };
    message_of(&store, &edit, RECENT, "pending").await;
    // More than one batch of plain old messages.
    let bulk: Vec<Outgoing> = (0..1200)
        .map(|i| bot_api(&Notice::text(format!("bulk.{i}"), 10_000 + i, "x".into())))
        .collect();
    store.enqueue(&bulk, OLD).await.expect("bulk");
    for id in store.due_messages(NOW, 5000).await.expect("due") {
        if id.chat_id >= 10_000 {
            store.message_sent(id.id, Some(1), OLD).await.expect("sent");
        }
    }

    timer(&store, "t.old.done", OLD, "done").await;
    timer(&store, "t.old.cancelled", OLD, "cancelled").await;
    timer(&store, "t.recent.done", RECENT, "done").await;
    timer(&store, "t.old.pending", OLD, "pending").await;

    update(&store, 1, OLD, true).await;
    update(&store, 2, RECENT, true).await;
    update(&store, 3, OLD, false).await;
    // Counts of the per-sender limits go once past the longest window, whatever `keep` says.
    for at in [
        OLD,
        NOW - lookout::limits::LONGEST_WINDOW_MS - 1,
        NOW - 60_000,
    ] {
        store.add_rate_hit("hazard", "p1", at).await.expect("count");
    }
    // The code of a press on a WeCom card goes after WeCom's 72 hours, whatever `keep` says.
    for (key, at) in [("old", NOW - 73 * 3_600_000), ("new", NOW - 3_600_000)] {
        let press = lookout::store::WecomArrival {
            source_key: format!("press.{key}"),
            from: "zhangsan".into(),
            payload: "<xml/>".into(),
            card_code: Some((format!("card.{key}"), format!("code.{key}"))),
        };
        store.add_wecom_message(&press, at).await.expect("press");
    }

    let audit = kept_tables(&store).await;
    let stats_before = figures(&store, &config).await;
    assert!(
        stats_before.0.contains("lijia,李家村,2,2,0,0,0,1.0000,2,"),
        "{}",
        stats_before.0
    );
    assert_eq!(stats_before.1.received, 2);

    let pruned = retention::prune(&store, NOW, KEEP, Duration::ZERO)
        .await
        .expect("pass");
    assert_eq!(
        pruned,
        Pruned {
            // old.sent, old.failed, the earlier round's reminder, the closed hazard's,
            // resolved escalation's and closed tip's messages, and the 1200.
            outbox: 6 + 1200,
            timers: 2,
            inbox: 1,
            conversations: 1,
            zero_reminders: 1,
            rosters: 2,
            rate_hits: 2,
            card_codes: 1,
        }
    );
    assert_eq!(
        store.card_code("card.new").await.expect("code").as_deref(),
        Some("code.new")
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM rate_hits").await, 1);
    let left = "SELECT COUNT(*) FROM roster WHERE day = '2026-11-21'";
    assert_eq!(
        count(&store, left).await,
        1,
        "the recent roster day is kept"
    );
    for key in ["old.sent", "old.failed", "bulk.0", "bulk.1199"] {
        assert!(!has_message(&store, key).await, "{key} pruned");
    }
    for key in [
        format!("zr.{earlier}.lijia.501"),
        format!("hz.{closed_hz}.501"),
        format!("esc.{done_esc}.{OLD}.0.501"),
        format!("tip.{closed_tip}.new.501.t"),
    ] {
        assert!(!has_message(&store, &key).await, "{key} pruned");
    }
    for key in [
        "recent.sent".to_string(),
        "old.pending".into(),
        "menu.abc".into(),
        "edited.soon".into(),
        "edited.soon.edit".into(),
        format!("zr.{current}.lijia.501"),
        format!("hz.{open_hz}.501"),
        format!("esc.{open_esc}.{OLD}.0.501"),
        format!("tip.{open_tip}.new.501.t"),
    ] {
        assert!(has_message(&store, &key).await, "{key} kept");
    }
    let timers: Vec<String> = match &store {
        Store::Sqlite(p) => sqlx::query_scalar("SELECT key FROM timers ORDER BY key")
            .fetch_all(p)
            .await
            .expect("timers"),
        Store::Postgres(p) => sqlx::query_scalar("SELECT key FROM timers ORDER BY key")
            .fetch_all(p)
            .await
            .expect("timers"),
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    };
    assert_eq!(timers, ["t.old.pending", "t.recent.done"]);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM inbox WHERE update_id IN (2, 3)"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM conversations WHERE user_id IN (901, 501)"
        )
        .await,
        2
    );
    let sql = format!("SELECT COUNT(*) FROM zero_reminders WHERE round_id = {current}");
    assert_eq!(count(&store, &sql).await, 1);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM zero_reminders").await,
        1
    );

    assert_eq!(
        kept_tables(&store).await,
        audit,
        "audit and statistics untouched"
    );
    assert_eq!(figures(&store, &config).await, stats_before, "same figures");

    // A second pass at the same time finds nothing; the window moves with the clock.
    let again = retention::prune(&store, NOW, KEEP, Duration::ZERO)
        .await
        .expect("pass");
    assert_eq!(again, Pruned::default());
    let later = retention::prune(&store, RECENT + 91 * DAY, KEEP, Duration::ZERO)
        .await
        .expect("pass");
    assert_eq!(
        (later.outbox, later.timers, later.inbox, later.conversations),
        (1, 1, 1, 1)
    );
    assert!(!has_message(&store, "recent.sent").await);
    assert!(
        has_message(&store, "edited.soon").await,
        "its edit is still pending"
    );
    assert_eq!(kept_tables(&store).await, audit);
}

/// A clock the test moves: the system time plus an offset.
fn moved_clock() -> (Clock, Arc<AtomicI64>) {
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    let clock = Clock::from_fn(move || {
        chrono::Utc::now() + chrono::Duration::milliseconds(o.load(Ordering::SeqCst))
    });
    (clock, offset)
}

fn help_update(update_id: i64, user: i64) -> serde_json::Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0,
            "chat": { "id": user, "type": "private", "first_name": "Eve" },
            "from": { "id": user, "is_bot": false, "first_name": "Eve", "language_code": "en" },
            "text": "/help",
            "entities": [{ "type": "bot_command", "offset": 0, "length": 5 }]
        }
    })
}

async fn the_running_bot_prunes_and_a_replay_is_not_handled_twice(b: Backend) {
    let config = Config::parse("[retention]\nkeep = \"1h\"\n", "test.toml").expect("config");
    let mut bot = TestBot::spawn_fast(b, config).await;
    let (clock, offset) = moved_clock();
    let restart = |bot: &TestBot| {
        let mut s = bot.settings();
        s.clock = clock.clone();
        s
    };
    bot.kill();
    let s = restart(&bot);
    bot.start_with(s).await;
    let eve = bot.sim.user(901, "Eve", Some("en"));
    eve.send_raw_update(help_update(5000, eve.id()));
    bot.sim
        .wait_for_count(eve.id(), 1, WAIT)
        .await
        .expect("help answered");
    bot.settle().await;

    // Two hours on: the reply is past `keep` (1h) and goes on the start's pass; the handled
    // update stays, since Telegram may resend an update for a day.
    offset.store(2 * 3_600_000, Ordering::SeqCst);
    bot.kill();
    let s = restart(&bot);
    bot.start_with(s).await;
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 'u5000.%'",
        0,
    )
    .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE update_id = 5000")
            .await,
        1
    );

    // Telegram resends update 5000 (as after a crash before the offset was confirmed), then
    // a new one. A chat's updates are handled in order, so once the new one is answered the
    // resend has been dealt with: it must not have been answered again.
    eve.send_raw_update(help_update(5000, eve.id()));
    eve.send_raw_update(help_update(5001, eve.id()));
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE idem_key = 'u5001.0' AND state = 'sent'",
        1,
    )
    .await;
    assert_eq!(
        bot.sim.sent(eve.id()).len(),
        2,
        "the resend was not handled"
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 'u5000.%'")
            .await,
        0
    );

    // Past Telegram's one-day horizon the handled update goes too.
    offset.store(26 * 3_600_000, Ordering::SeqCst);
    bot.kill();
    let s = restart(&bot);
    bot.start_with(s).await;
    bot.wait_count(
        "SELECT COUNT(*) FROM inbox WHERE update_id IN (5000, 5001)",
        0,
    )
    .await;
}
