//! Anonymous tips through the real bot, on both backends: a stranger's tip reaches the desk
//! and leaves no trace of who sent it (in any message to anyone else, in any column of any
//! table, in the raw SQLite file); the relay works both ways and from another account; codes
//! that do not open a tip all get one answer; rewards, rate limit, escalation, reveal, forgetting.

use crate::common::{Backend, TestBot, TestClock, WAIT};
use lookout::clock::Clock;
use lookout::config::{Config, Span};
use lookout::limits;
use lookout::org::Role;
use lookout::sim::{SentMessage, SimUser};
use lookout::store::Store;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

both_backends!(
    a_strangers_tip_reaches_the_desk_and_leaves_no_trace,
    replies_relay_both_ways_and_the_code_works_from_another_account,
    codes_that_open_nothing_all_get_one_answer_and_forgetting_ends_the_relay,
    rewards_are_announced_step_by_step,
    new_tips_are_rate_limited,
    an_unanswered_tip_escalates_and_acknowledging_ends_it,
    a_members_tip_is_not_linked_to_them_and_only_the_tipster_can_reveal,
    documents_are_refused_and_cancel_drops_the_draft,
    guessing_codes_is_bounded_per_chat_across_restarts,
);

/// A distinctive id, name and username (the simulator's username is the lowercased name).
const TIPSTER_ID: i64 = 7_313_579_246;
const TIPSTER_NAME: &str = "Whistleqx";
const TIPSTER_USERNAME: &str = "whistleqx";

async fn desk(bot: &TestBot) -> SimUser {
    let s = bot.sim.user(31, "Desk Lead", Some("en"));
    bot.join(&s, "zhoucun", Role::Supervisor).await;
    s
}

fn tip_id_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || "()（），。:：".contains(c))
        .find(|w| w.starts_with("T-") && w.len() > 2 && w[2..].bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

fn code_in(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.len() == 22 && w.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_string)
}

/// Write a tip: `/tip`, the text, then whatever `extras` does, then Send. Returns (id, code).
async fn send_tip_with(
    bot: &TestBot,
    who: &SimUser,
    text: &str,
    extras: impl AsyncFnOnce(),
) -> (String, String) {
    let intro = bot.ask(who, "/tip").await;
    assert!(intro.text().contains("Anonymous tip"), "{}", intro.text());
    let noted = bot.ask(who, text).await;
    assert!(noted.text().contains("Noted"), "{}", noted.text());
    extras().await;
    let last = bot.sim.sent(who.id()).last().cloned().expect("a reply");
    let send = last.button("✅ Send tip").expect("send button");
    let before = bot.sim.sent(who.id()).len();
    who.press(&last, &send);
    let all = bot
        .sim
        .wait_for_count(who.id(), before + 1, WAIT)
        .await
        .expect("tip sent");
    let sent = &all[before];
    assert!(sent.text().contains("receipt code"), "{}", sent.text());
    (
        tip_id_in(sent.text()).expect("tip id"),
        code_in(sent.text()).expect("code"),
    )
}

async fn send_tip(bot: &TestBot, who: &SimUser, text: &str) -> (String, String) {
    send_tip_with(bot, who, text, async || {}).await
}

/// Every value of every column of every table, as text.
async fn all_values(store: &Store) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match store {
        Store::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(p)
            .await
            .expect("tables");
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                        .bind(&t)
                        .fetch_all(p)
                        .await
                        .expect("columns");
                for c in cols {
                    // As bytes: a column may hold a BLOB (sqlx's migration checksums do).
                    let vals: Vec<Option<Vec<u8>>> =
                        sqlx::query_scalar(&format!("SELECT CAST(\"{c}\" AS BLOB) FROM \"{t}\""))
                            .fetch_all(p)
                            .await
                            .expect("values");
                    out.extend(
                        vals.into_iter().flatten().map(|v| {
                            (format!("{t}.{c}"), String::from_utf8_lossy(&v).into_owned())
                        }),
                    );
                }
            }
        }
        Store::Postgres(p) => {
            let cols: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(p)
            .await
            .expect("columns");
            assert!(
                cols.iter().any(|(t, _)| t == "tips"),
                "sees the test schema"
            );
            for (t, c) in cols {
                let vals: Vec<Option<String>> =
                    sqlx::query_scalar(&format!("SELECT \"{c}\"::text FROM \"{t}\""))
                        .fetch_all(p)
                        .await
                        .expect("values");
                out.extend(vals.into_iter().flatten().map(|v| (format!("{t}.{c}"), v)));
            }
        }
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    out
}

fn needles() -> Vec<String> {
    vec![
        TIPSTER_ID.to_string(),
        TIPSTER_NAME.to_lowercase(),
        TIPSTER_USERNAME.to_string(),
    ]
}

fn mentions_tipster(text: &str) -> bool {
    let t = text.to_lowercase();
    needles().iter().any(|n| t.contains(n.as_str()))
}

async fn all_sent_out(bot: &TestBot) {
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")
            .await,
        0
    );
}

async fn a_strangers_tip_reaches_the_desk_and_leaves_no_trace(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let lead = desk(&bot).await;
    let officer = bot.sim.user(32, "值班员", Some("zh"));
    bot.join(&officer, "zhoucun", Role::DutyOfficer).await;
    let room = bot.sim.group(-300, "区值班室");
    officer.in_group(&room).send_text("/bind");
    bot.wait_text(room.id(), "周村区").await;

    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let mut photo = String::new();
    let (id, code) = send_tip_with(
        &bot,
        &tipster,
        "Illegal fireworks stored in the barn behind the school",
        async || {
            photo = tipster.send_photo(None);
            bot.wait_text(tipster.id(), "Photo added (1").await;
            tipster.send_location(36.81, 118.05);
            bot.wait_text(tipster.id(), "Location added").await;
        },
    )
    .await;
    assert_eq!(id, "T-1");
    assert_eq!(code.len(), 22);

    // The desk supervisor and the duty room get the tip, its photo (sent by file id, not
    // forwarded) and its location, with the desk's buttons.
    let alert = bot.wait_text(lead.id(), "Illegal fireworks").await;
    assert!(alert.text().contains("T-1"), "{}", alert.text());
    let labels: Vec<String> = alert
        .buttons
        .iter()
        .flatten()
        .map(|(l, _)| l.clone())
        .collect();
    assert_eq!(labels, ["✅ Acknowledge", "💬 Reply", "🔒 Close"]);
    bot.sim
        .wait_for(lead.id(), WAIT, |m| {
            m.photo.as_deref() == Some(photo.as_str())
        })
        .await
        .expect("photo copied");
    bot.sim
        .wait_for(lead.id(), WAIT, |m| m.location == Some((36.81, 118.05)))
        .await
        .expect("location copied");
    bot.wait_text(room.id(), "Illegal fireworks").await;
    bot.sim
        .wait_for(room.id(), WAIT, |m| m.photo.is_some())
        .await
        .expect("room photo");

    all_sent_out(&bot).await;
    // Nothing anyone but the tipster received names them.
    for m in bot.sim.all_sent() {
        if m.chat_id == TIPSTER_ID {
            continue;
        }
        let buttons: Vec<String> = m.button_data();
        assert!(
            !mentions_tipster(m.text())
                && !mentions_tipster(m.raw_text.as_deref().unwrap_or(""))
                && !buttons.iter().any(|d| mentions_tipster(d)),
            "message to {} names the tipster: {m:?}",
            m.chat_id
        );
    }
    // No column of any table holds the tipster's id, name or username, nor the code.
    let values = all_values(&bot.store).await;
    assert!(values.iter().any(|(c, _)| c == "tips.chat_sealed"));
    for (col, v) in &values {
        assert!(!mentions_tipster(v), "{col} = {v:?} names the tipster");
        assert!(!v.contains(&code), "{col} holds the receipt code");
    }
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM people").await,
        2,
        "no person record"
    );

    // And not in the raw SQLite file either (deleted and rewritten rows are overwritten).
    if let (Backend::Sqlite, Store::Sqlite(p)) = (b, &bot.store) {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(p)
            .await
            .expect("checkpoint");
        let path = bot.db.url.trim_start_matches("sqlite://").to_string();
        for file in [path.clone(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let lower = String::from_utf8_lossy(&bytes).to_lowercase();
            for n in needles() {
                assert!(!lower.contains(&n), "{file} holds {n:?}");
            }
            assert!(
                !lower.contains(&code.to_lowercase()),
                "{file} holds the code"
            );
        }
    }
}

async fn replies_relay_both_ways_and_the_code_works_from_another_account(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let lead = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let (id, code) = send_tip(&bot, &tipster, "Gas cylinders next to the boiler").await;
    let alert = bot.wait_text(lead.id(), "Gas cylinders").await;

    // Desk → tipster, without the handler's name.
    let done = bot
        .ask(&lead, &format!("/reply {id} When did you see them?"))
        .await;
    assert!(
        done.text().contains("Sent to the tipster"),
        "{}",
        done.text()
    );
    let reply = bot.wait_text(tipster.id(), "When did you see them?").await;
    assert!(!reply.text().contains("Desk Lead"), "{}", reply.text());

    // Tipster → desk: a plain message in the same chat.
    let ok = bot.ask(&tipster, "Yesterday at five").await;
    assert!(ok.text().contains("Sent to the tip desk"), "{}", ok.text());
    let follow = bot.wait_text(lead.id(), "Yesterday at five").await;
    assert!(follow.text().contains(&id), "{}", follow.text());

    // The Reply button asks for the text, then relays it.
    let reply_data = alert.button("💬 Reply").expect("reply button");
    lead.press(&alert, &reply_data);
    bot.wait_text(lead.id(), "Send your reply").await;
    lead.send_text("Thank you, we are on our way");
    bot.wait_text(tipster.id(), "we are on our way").await;

    // From another account with the code: added to the tip, and the whole exchange shown.
    let other = bot.sim.user(TIPSTER_ID + 1, "Second Phone", Some("en"));
    other.send_text(&format!("/tip {code} There are twelve of them"));
    bot.wait_text(lead.id(), "There are twelve of them").await;
    let status = bot.wait_text(other.id(), "Yesterday at five").await;
    for part in [
        "Gas cylinders next to the boiler",
        "When did you see them?",
        "we are on our way",
        "There are twelve of them",
        "being handled",
    ] {
        assert!(status.text().contains(part), "{part}: {}", status.text());
    }
    assert!(
        !status.text().contains("Desk Lead"),
        "handlers stay unnamed"
    );
    // Replies now reach the account that used the code last.
    bot.ask(&lead, &format!("/reply {id} Noted, thanks")).await;
    bot.wait_text(other.id(), "Noted, thanks").await;
    // Its plain messages go to the tip too.
    other.send_text("One more thing");
    bot.wait_text(lead.id(), "One more thing").await;

    // Someone who is not a handler cannot reply.
    let stranger = bot.sim.user(77, "Nosy", Some("en"));
    let no = bot.ask(&stranger, &format!("/reply {id} hello")).await;
    assert!(
        no.text().contains("Only supervisors and duty officers"),
        "{}",
        no.text()
    );
}

async fn codes_that_open_nothing_all_get_one_answer_and_forgetting_ends_the_relay(b: Backend) {
    let mut config = Config::default();
    config.tip.forget_after = Span::seconds(1);
    let bot = TestBot::spawn_fast_on(b, config, TestClock::at("2026-12-01 09:00")).await;
    let lead = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let (id, code) = send_tip(&bot, &tipster, "Someone dumps oil in the river").await;
    bot.wait_text(lead.id(), "dumps oil").await;
    let other = bot.sim.user(88, "Guesser", Some("en"));

    let wrong = bot.ask(&other, "/tip AAAAAAAAAAAAAAAAAAAAAA").await;
    let invalid = bot.ask(&other, "/tip short-code!").await;
    let mut flipped = code.clone();
    let last = if flipped.ends_with('a') { "b" } else { "a" };
    flipped.replace_range(21.., last);
    let near = bot.ask(&other, &format!("/tip {flipped} hello")).await;
    assert!(wrong.text().contains("not valid"), "{}", wrong.text());
    assert_eq!(wrong.text(), invalid.text());
    assert_eq!(wrong.text(), near.text());

    // Closing tells the tipster; after forget_after the identity and the code are gone.
    bot.ask(
        &lead,
        &format!("/close {id} Verified, the company was fined"),
    )
    .await;
    bot.wait_text(tipster.id(), "was fined").await;
    // The second of `forget_after`, on the clock.
    bot.advance(Duration::from_secs(1)).await;
    bot.wait_count(
        "SELECT COUNT(*) FROM tips WHERE forgotten_at IS NOT NULL AND chat_sealed IS NULL AND code_hash IS NULL",
        1,
    )
    .await;
    let erased = bot.ask(&other, &format!("/tip {code}")).await;
    assert_eq!(
        erased.text(),
        wrong.text(),
        "an erased code answers like a wrong one"
    );
    let no_relay = bot.ask(&lead, &format!("/reply {id} Are you there?")).await;
    assert!(
        no_relay.text().contains("has been erased"),
        "{}",
        no_relay.text()
    );
    let ended = bot.ask(&tipster, "hello?").await;
    assert!(
        !ended.text().contains("Sent to the tip desk"),
        "{}",
        ended.text()
    );
}

async fn rewards_are_announced_step_by_step(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let lead = desk(&bot).await;
    let officer = bot.sim.user(32, "Officer", Some("en"));
    bot.join(&officer, "zhoucun", Role::DutyOfficer).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let (id, code) = send_tip(&bot, &tipster, "Unlicensed mine shaft on the hill").await;
    bot.wait_text(lead.id(), "mine shaft").await;

    let early = bot.ask(&lead, &format!("/reward {id} approved")).await;
    assert!(
        early.text().contains("cannot take that step"),
        "{}",
        early.text()
    );
    let officer_try = bot
        .ask(&officer, &format!("/reward {id} proposed 100"))
        .await;
    assert!(
        officer_try.text().contains("Only supervisors"),
        "{}",
        officer_try.text()
    );
    let bad = bot.ask(&lead, &format!("/reward {id} proposed lots")).await;
    assert!(bad.text().contains("Usage"), "{}", bad.text());

    bot.ask(&lead, &format!("/reward {id} proposed 500")).await;
    bot.wait_text(tipster.id(), "A reward of 500 has been proposed")
        .await;
    bot.ask(&lead, &format!("/reward {id} approved")).await;
    bot.wait_text(tipster.id(), "is approved").await;
    bot.ask(&lead, &format!("/reward {id} paid")).await;
    bot.wait_text(tipster.id(), "recorded as paid").await;
    let again = bot.ask(&lead, &format!("/reward {id} paid")).await;
    assert!(
        again.text().contains("cannot take that step"),
        "{}",
        again.text()
    );

    let status = bot.ask(&tipster, &format!("/tip {code}")).await;
    assert!(
        status.text().contains("Reward: 500 paid"),
        "{}",
        status.text()
    );
}

async fn new_tips_are_rate_limited(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let lead = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    for n in 1..=3 {
        let (id, _) = send_tip(&bot, &tipster, &format!("Tip number {n}")).await;
        assert_eq!(id, format!("T-{n}"));
    }
    let refused = bot.ask(&tipster, "/tip").await;
    assert!(
        refused.text().contains("several tips in the last hour"),
        "{}",
        refused.text()
    );
    // Someone else is not affected.
    let other = bot.sim.user(99, "Other", Some("en"));
    send_tip(&bot, &other, "A fourth tip from someone else").await;
    bot.wait_text(lead.id(), "A fourth tip").await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM tips").await, 4);
}

async fn an_unanswered_tip_escalates_and_acknowledging_ends_it(b: Backend) {
    let mut config = Config::default();
    config.tip.escalate = vec![Span::hours(1)];
    // Noon: the hour the clock moves over meets none of the day's schedules.
    let bot = TestBot::spawn_fast_on(b, config, TestClock::at("2026-11-16 12:00")).await;
    let lead = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let (id, _) = send_tip(&bot, &tipster, "Blocked fire exits in the mall").await;
    let alert = bot.wait_text(lead.id(), "Blocked fire exits").await;
    let chain = bot
        .count("SELECT id FROM escalations WHERE subject = 'tip:1'")
        .await;
    bot.advance_to_timer(&format!("esc:{chain}")).await;
    let esc = bot
        .sim
        .wait_for(lead.id(), WAIT, |m| {
            m.text().contains("Level 1") && m.text().contains(&format!("anonymous tip {id}"))
        })
        .await
        .expect("escalated");
    assert!(!mentions_tipster(esc.text()));
    // The tip's own button takes it: the chain ends and the tipster hears it is handled.
    let ack = alert.button("✅ Acknowledge").expect("ack button");
    lead.press(&alert, &ack);
    bot.wait_text(tipster.id(), "is being handled").await;
    bot.wait_count(
        "SELECT COUNT(*) FROM escalations WHERE subject = 'tip:1' AND state = 'resolved'",
        1,
    )
    .await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM tips WHERE state = 'acknowledged'")
            .await,
        1
    );
    // Everyone the chain reached hears who took it (asynchronously: wait, then ask).
    bot.wait_text(lead.id(), "Desk Lead took it: anonymous tip")
        .await;
    lead.send_text(&format!("/ack {id}"));
    bot.wait_text(lead.id(), "already being handled").await;
}

async fn a_members_tip_is_not_linked_to_them_and_only_the_tipster_can_reveal(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let lead = desk(&bot).await;
    let member = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    bot.join(&member, "lijia", Role::GridWorker).await;
    all_sent_out(&bot).await;
    let rows_before = bot
        .count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = {TIPSTER_ID}"
        ))
        .await;
    let (id, code) = send_tip(&bot, &member, "The village head takes bribes").await;
    let alert = bot.wait_text(lead.id(), "takes bribes").await;
    assert!(!mentions_tipster(alert.text()));
    bot.ask(&lead, &format!("/reply {id} Can you tell us more?"))
        .await;
    bot.wait_text(member.id(), "tell us more").await;
    all_sent_out(&bot).await;
    // Nothing the tip flow sent them stays next to their chat id.
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = {TIPSTER_ID}"
        ))
        .await,
        rows_before
    );
    let person: i64 = bot
        .count(&format!(
            "SELECT id FROM people WHERE tg_user_id = {TIPSTER_ID}"
        ))
        .await;
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM tip_entries WHERE person_id = {person}"
        ))
        .await,
        0
    );

    // A button forged by someone else does nothing; the tipster's own choice, confirmed, does.
    let forger = bot.sim.user(66, "Forger", Some("en"));
    let fake = SentMessage {
        chat_id: forger.id(),
        ..alert.clone()
    };
    forger.press(&fake, "tipreveal:1");
    let expired = bot.wait_text(forger.id(), "no longer valid").await;
    assert!(!expired.text().is_empty());
    let ask = bot.ask(&member, &format!("/reveal {code}")).await;
    assert!(ask.text().contains("cannot be undone"), "{}", ask.text());
    let no = ask.button("No, stay anonymous").expect("no button");
    member.press(&ask, &no);
    bot.wait_text(member.id(), "You stay anonymous").await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM tips WHERE revealed_at IS NOT NULL")
            .await,
        0
    );
    let ask = bot.ask(&member, &format!("/reveal {code}")).await;
    let yes = ask.button("Yes, tell them who I am").expect("yes button");
    member.press(&ask, &yes);
    let revealed = bot.wait_text(lead.id(), "chose to reveal").await;
    assert!(
        revealed.text().contains(TIPSTER_NAME),
        "{}",
        revealed.text()
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM tips WHERE revealed_at IS NOT NULL")
            .await,
        1
    );
}

async fn documents_are_refused_and_cancel_drops_the_draft(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    bot.ask(&tipster, "/tip").await;
    let before = bot.sim.sent(tipster.id()).len();
    // A picture sent as a file is taken (it is cleaned when sent: see the test below).
    tipster.send_document(
        "IMG_2041.jpg",
        "image/jpeg",
        lookout::scrub::jpeg_with_exif(),
    );
    let img = bot
        .sim
        .wait_for_count(tipster.id(), before + 1, WAIT)
        .await
        .expect("reply")[before]
        .clone();
    assert!(img.text().contains("Photo added"), "{}", img.text());
    tipster.send_document("report.pdf", "application/pdf", b"%PDF-1.4".to_vec());
    bot.wait_text(tipster.id(), "Files cannot be attached")
        .await;
    tipster.send_sticker();
    bot.wait_text(tipster.id(), "for your tip, or /cancel")
        .await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM tip_chats").await, 1);
    let done = bot.ask(&tipster, "/cancel").await;
    assert!(done.text().contains("Cancelled"), "{}", done.text());
    assert_eq!(bot.count("SELECT COUNT(*) FROM tip_chats").await, 0);
    let after = bot.ask(&tipster, "just chatting").await;
    assert!(
        after.text().contains("did not understand"),
        "{}",
        after.text()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM tips").await, 0);
}

both_backends!(a_tip_forwarded_as_a_hazard_carries_nothing_of_the_tipster);

async fn a_tip_forwarded_as_a_hazard_carries_nothing_of_the_tipster(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let desk = desk(&bot).await;
    let officer = bot.sim.user(41, "Village Officer", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let photo = std::cell::RefCell::new(String::new());
    let (id, _) = send_tip_with(
        &bot,
        &tipster,
        "Drums of solvent dumped behind the mill",
        async || {
            *photo.borrow_mut() = tipster.send_photo(None);
            bot.sim
                .wait_for(tipster.id(), WAIT, |m| m.text().contains("Photo added"))
                .await
                .expect("photo");
        },
    )
    .await;
    bot.wait_text(desk.id(), &id).await;
    // The tip's photo follows its text; both are in before the desk answers, so the next
    // message the desk gets is the forward's answer.
    bot.sim
        .wait_for(desk.id(), WAIT, |m| m.text() == format!("📷 {id}"))
        .await
        .expect("the tip's photo at the desk");
    assert!(bot
        .ask(&officer, &format!("/forward {id} lijia"))
        .await
        .text()
        .contains("tip desk"));
    let done = bot.ask(&desk, &format!("/forward {id} lijia")).await;
    assert!(done.text().contains("hazard report H-1"), "{}", done.text());
    let report = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("H-1") && !m.buttons.is_empty()
        })
        .await
        .expect("hazard routed");
    assert!(
        report.text().contains("Drums of solvent") && report.text().contains("Desk Lead"),
        "{}",
        report.text()
    );
    let photo = photo.borrow().clone();
    bot.sim
        .wait_for(officer.id(), WAIT, |m| {
            m.photo.as_deref() == Some(photo.as_str())
        })
        .await
        .expect("photo copied");
    for m in bot.sim.sent(officer.id()) {
        assert!(
            !m.text().contains(TIPSTER_NAME) && !m.text().contains(&TIPSTER_ID.to_string()),
            "{}",
            m.text()
        );
    }
}

both_backends!(a_picture_sent_as_a_file_reaches_the_desk_without_its_metadata);

async fn a_picture_sent_as_a_file_reaches_the_desk_without_its_metadata(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let desk = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let original = std::cell::RefCell::new(String::new());
    let (id, _) = send_tip_with(
        &bot,
        &tipster,
        "Dumping at night behind the quarry",
        async || {
            let exif = lookout::scrub::jpeg_with_exif();
            *original.borrow_mut() = tipster.send_document("IMG_2041.jpg", "image/jpeg", exif);
            bot.sim
                .wait_for(tipster.id(), WAIT, |m| m.text().contains("Photo added"))
                .await
                .expect("taken");
        },
    )
    .await;
    let photo = bot
        .sim
        .wait_for(desk.id(), WAIT, |m| {
            m.photo.is_some() && m.text().contains(&id)
        })
        .await
        .expect("the desk gets the picture");
    let file_id = photo.photo.clone().expect("photo");
    assert_ne!(
        file_id,
        *original.borrow(),
        "a new upload, not the tipster's file"
    );
    let api = lookout::telegram::api::BotApi::new(&bot.sim.api_url(), &bot.sim.token());
    let bytes = api.download(&file_id, 1 << 20).await.expect("download");
    for secret in [&b"Exif"[..], b"GPSLatitude", b"SecretPhone"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "metadata left in the picture"
        );
    }
    assert!(image::load_from_memory(&bytes).is_ok(), "still a picture");
    // An unreadable "picture" is refused when it arrives (and the tip's text still goes).
    let (second, _) = send_tip_with(&bot, &tipster, "More dumping", async || {
        tipster.send_document("IMG_2042.jpg", "image/jpeg", b"not a picture".to_vec());
        bot.wait_text(tipster.id(), "cannot be read as a picture")
            .await;
        bot.ask(&tipster, "Seen twice this week").await;
    })
    .await;
    bot.wait_text(desk.id(), &second).await;
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")
            .await,
        0
    );
}

/// A bot whose clock runs `offset` milliseconds ahead of the real one.
fn ahead_by(offset: &Arc<AtomicI64>) -> Clock {
    let offset = offset.clone();
    Clock::from_fn(move || {
        chrono::Utc::now() + chrono::Duration::milliseconds(offset.load(Ordering::SeqCst))
    })
}

async fn guessing_codes_is_bounded_per_chat_across_restarts(b: Backend) {
    let offset = Arc::new(AtomicI64::new(0));
    let mut bot = TestBot::spawn_fast(b, Config::default()).await;
    let restart = |bot: &mut TestBot| {
        bot.kill();
        let mut s = bot.settings();
        s.clock = ahead_by(&offset);
        s
    };
    let s = restart(&mut bot);
    bot.start_with(s).await;
    let lead = desk(&bot).await;
    let tipster = bot.sim.user(TIPSTER_ID, TIPSTER_NAME, Some("en"));
    let (id, code) = send_tip(&bot, &tipster, "Fake fire extinguishers sold in town").await;
    bot.wait_text(lead.id(), "extinguishers").await;

    let guesser = bot.sim.user(89, "Guesser", Some("en"));
    for n in 0..5 {
        let wrong = bot
            .ask(
                &guesser,
                &format!("/tip {}", "B".repeat(21) + &n.to_string()),
            )
            .await;
        assert!(wrong.text().contains("not valid"), "{}", wrong.text());
    }
    // The sixth try waits, even with the right code, and spends no check.
    let limited = bot.ask(&guesser, &format!("/tip {code} let me in")).await;
    assert!(
        limited.text().contains("Too many wrong receipt codes")
            && limited.text().contains("try again after"),
        "{}",
        limited.text()
    );
    bot.wait_count("SELECT COUNT(*) FROM rate_hits WHERE kind = 'tip.code'", 5)
        .await;
    // The limit is per chat: the tipster's own chat still opens the tip.
    let own = bot.ask(&tipster, &format!("/tip {code}")).await;
    assert!(own.text().contains(&format!("Tip {id}")), "{}", own.text());

    // It survives a restart, and ends when the window has passed.
    let s = restart(&mut bot);
    bot.start_with(s).await;
    let still = bot.ask(&guesser, &format!("/tip {code}")).await;
    assert_eq!(still.text(), limited.text());
    offset.store(
        limits::Kind::TipCode.limit().window_ms + 60_000,
        Ordering::SeqCst,
    );
    let opened = bot.ask(&guesser, &format!("/tip {code} it is me")).await;
    assert!(!opened.text().contains("Too many"), "{}", opened.text());
    bot.wait_text(lead.id(), "it is me").await;
}
