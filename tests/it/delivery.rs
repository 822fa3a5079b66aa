//! The outbox and its sender against Telegram's failure modes: 429s, 5xx, blocked users,
//! upgraded groups and a crash with messages still queued. Nothing lost, nothing twice.

use crate::common::{Backend, TestBot, WAIT};
use lookout::org::Role;
use lookout::store::Outgoing;
use serde_json::json;

both_backends!(
    faults_lose_nothing_and_repeat_nothing,
    restart_with_messages_in_the_outbox,
    updates_arriving_while_down_are_handled_once,
    upgraded_group_gets_its_messages,
    urgent_messages_go_ahead_of_routine_ones_queued_before_them,
);

/// An alert overtakes what waits before it, overall (past Telegram's 30/s) and in its own
/// chat; an edit keeps its original's place, even one asked to be urgent.
async fn urgent_messages_go_ahead_of_routine_ones_queued_before_them(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    bot.kill();
    let others: Vec<i64> = (6001..6091).collect();
    for &c in &others {
        bot.sim.user(c, &format!("u{c}"), Some("en"));
    }
    let (room, alerted) = (6100, 6101);
    bot.sim.user(room, "room", Some("en"));
    bot.sim.user(alerted, "alerted", Some("en"));
    let mut queue: Vec<Outgoing> = others
        .iter()
        .map(|&c| message(&format!("r.{c}"), c, "routine"))
        .collect();
    for n in 0..3 {
        queue.push(message(&format!("room.{n}"), room, &format!("routine {n}")));
    }
    queue.push(Outgoing {
        method: "editMessageText".into(),
        edit_of: Some("room.0".into()),
        urgent: true,
        ..message("room.0.edit", room, "routine 0, edited")
    });
    queue.push(Outgoing {
        urgent: true,
        ..message("room.alert", room, "ALERT")
    });
    queue.push(Outgoing {
        urgent: true,
        ..message("alerted.alert", alerted, "ALERT")
    });
    bot.store.enqueue(&queue, 0).await.expect("enqueue");
    bot.start().await;

    bot.sim
        .wait_for_count(alerted, 1, WAIT)
        .await
        .expect("the alert arrives");
    let routine_before: usize = others.iter().map(|&c| bot.sim.sent(c).len()).sum();
    assert!(
        routine_before < others.len() / 2,
        "{routine_before} of {} routine messages went before the alert",
        others.len()
    );
    let got = bot
        .sim
        .wait_for_all(room, WAIT, |m| {
            m.len() == 4 && m.iter().any(|m| m.edits > 0)
        })
        .await
        .expect("the room gets all four, and the edit");
    let texts: Vec<&str> = got.iter().map(|m| m.text()).collect();
    assert_eq!(
        texts,
        ["ALERT", "routine 0, edited", "routine 1", "routine 2"],
        "the alert first, the edit applied to its original in its place"
    );
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE idem_key = 'room.0.edit' AND urgent")
            .await,
        0,
        "the edit took its original's priority"
    );
}

fn message(key: &str, chat_id: i64, text: &str) -> Outgoing {
    Outgoing {
        idem_key: key.to_string(),
        chat_id,
        method: "sendMessage".into(),
        payload: json!({ "text": text }),
        edit_of: None,
        ephemeral: false,
        urgent: false,
    }
}

async fn faults_lose_nothing_and_repeat_nothing(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let blocked = bot.sim.user(3000, "Blocked", Some("en"));
    bot.join(&blocked, "lijia", Role::DutyOfficer).await;
    bot.sim.block_bot(blocked.id());
    bot.sim.throttle_next(4, 1);
    bot.sim.fail_next(4, 502);

    let chats: Vec<i64> = (3001..3021).collect();
    for &c in &chats {
        bot.sim.user(c, &format!("u{c}"), Some("en"));
    }
    let mut batch = Vec::new();
    for n in 0..3 {
        for &c in &chats {
            batch.push(message(
                &format!("t.{c}.{n}"),
                c,
                &format!("msg {n} to {c}"),
            ));
        }
        batch.push(message(
            &format!("t.blocked.{n}"),
            blocked.id(),
            "never arrives",
        ));
    }
    // Enqueueing the same logical messages twice must not send them twice.
    bot.store.enqueue(&batch, 0).await.expect("enqueue");
    bot.store.enqueue(&batch, 0).await.expect("enqueue again");

    for &c in &chats {
        let got = bot
            .sim
            .wait_for_count(c, 3, WAIT)
            .await
            .expect("all three arrive");
        let texts: Vec<&str> = got.iter().map(|m| m.text()).collect();
        assert_eq!(
            texts,
            [
                format!("msg 0 to {c}"),
                format!("msg 1 to {c}"),
                format!("msg 2 to {c}")
            ],
            "in order, once"
        );
    }
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'", 3)
        .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM people WHERE unreachable")
            .await,
        1
    );
    // The last sends may be answered but not yet recorded: wait for the outbox to settle.
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    let stats = bot.sim.stats();
    assert!(
        stats.throttled >= 4 && stats.server_errors >= 4,
        "{stats:?}"
    );
    for &c in &chats {
        assert_eq!(bot.sim.sent(c).len(), 3, "no duplicates in chat {c}");
    }
}

async fn restart_with_messages_in_the_outbox(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    // Telegram is down: replies pile up in the outbox.
    bot.sim.fail_next(u32::MAX, 500);
    let users: Vec<_> = (4001..4006)
        .map(|id| bot.sim.user(id, &format!("p{id}"), Some("en")))
        .collect();
    for u in &users {
        u.send_text("/help");
    }
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE method = 'sendMessage' AND state = 'pending' AND attempts > 0", 5).await;
    bot.settle().await;
    bot.kill();
    bot.sim.fail_next(0, 500);
    bot.start().await;
    for u in &users {
        bot.sim
            .wait_for(u.id(), WAIT, |m| m.text().starts_with("Commands"))
            .await
            .expect("reply after restart");
    }
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    for u in &users {
        assert_eq!(
            bot.sim.sent(u.id()).len(),
            1,
            "exactly one reply for {}",
            u.id()
        );
    }
}

async fn updates_arriving_while_down_are_handled_once(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    let officer = bot.sim.user(5001, "Officer", Some("en"));
    bot.join(&officer, "wangcun", Role::DutyOfficer).await;
    bot.settle().await;
    bot.kill();
    let code = bot.invite("nanjiao", Role::GridWorker, 1, None).await;
    officer.send_text(&format!("/start {code}"));
    officer.send_text("/help");
    bot.start().await;
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("南郊镇"))
        .await
        .expect("joined while down");
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().starts_with("Commands"))
        .await
        .expect("help");
    bot.sim
        .wait_updates_consumed(WAIT)
        .await
        .expect("updates confirmed");
    bot.settle().await;
    bot.restart().await;
    officer.send_text("/lang zh");
    bot.sim
        .wait_for(officer.id(), WAIT, |m| m.text().contains("已切换"))
        .await
        .expect("lang");
    // join + join + help + lang: four replies, none repeated by the restarts.
    assert_eq!(bot.sim.sent(officer.id()).len(), 4);
    assert_eq!(bot.count("SELECT COUNT(*) FROM memberships").await, 2);
}

async fn upgraded_group_gets_its_messages(b: Backend) {
    let bot = TestBot::spawn(b).await;
    let officer = bot.sim.user(6001, "Officer", Some("en"));
    bot.join(&officer, "wangcun", Role::DutyOfficer).await;
    let group = bot.sim.group(-6001, "Duty room");
    officer.in_group(&group).send_text("/bind");
    bot.sim
        .wait_for(-6001, WAIT, |m| m.text().contains("duty room"))
        .await
        .expect("bound");
    bot.sim.upgrade_group(-6001, -1006001);
    bot.store
        .enqueue(&[message("after-upgrade", -6001, "reminder")], 0)
        .await
        .expect("enqueue");
    bot.sim
        .wait_for(-1006001, WAIT, |m| m.text() == "reminder")
        .await
        .expect("resent to the supergroup");
    bot.wait_count(
        "SELECT COUNT(*) FROM units WHERE duty_chat_id = -1006001",
        1,
    )
    .await;
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'", 0)
        .await;
}

both_backends!(a_strangers_reply_waits_with_its_recipient_sealed);

async fn a_strangers_reply_waits_with_its_recipient_sealed(b: Backend) {
    let bot = TestBot::spawn(b).await;
    bot.sim.fail_next(u32::MAX, 502);
    let stranger = bot.sim.user(987_654_321, "Nobody", Some("en"));
    stranger.send_text("/start");
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND attempts > 0 AND method = 'sendMessage'", 1).await;
    // While Telegram is down the reply waits, filed under a pseudonym, the chat sealed.
    assert_eq!(
        bot.count(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = 987654321 OR payload LIKE '%987654321%'"
        )
        .await,
        0
    );
    bot.sim.fail_next(0, 502);
    bot.sim
        .wait_for(stranger.id(), WAIT, |m| m.text().contains("invite code"))
        .await
        .expect("delivered to the real chat");
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%_sealed%'",
        0,
    )
    .await;
}
