//! Floods (PRODUCT.md "What bad input gets"): every input that makes the bot send to other
//! people is limited per sender. Past the limit the sender is told the time they may go on,
//! and nothing is stored or sent to anyone; once the window has passed (the test clock jumps
//! an hour) it works again. And a single-use invite admits one person however many redeem
//! it at once. On both backends.

use crate::common::{fresh_db, hhmm, Backend, TestBot, TestClock, ORG, WAIT};
use lookout::app;
use lookout::config::Config;
use lookout::limits::Kind;
use lookout::org::{file as orgfile, invite, Role};
use lookout::sim::{SentMessage, SimUser};
use lookout::store::{Joiner, RedeemOutcome};
use std::sync::Arc;
use std::time::Duration;

both_backends!(
    hazard_reports_past_ten_an_hour_wait,
    warnings_past_ten_an_hour_wait_in_either_form,
    tip_relays_past_thirty_an_hour_wait,
    invites_past_fifty_an_hour_wait,
    an_invite_admits_no_more_people_than_its_uses_however_many_redeem_at_once,
);

const HOUR: Duration = Duration::from_secs(3600);

/// No escalation, resend or zero-report round falls in the hour the tests jump over.
fn quiet() -> Config {
    Config::parse(
        "[hazard]\nescalate = [\"6h\"]\nescalate_major = [\"6h\"]\n\
         [warning]\nconfirm_within = \"3h\"\n\
         [tip]\nescalate = [\"6h\"]\n",
        "test.toml",
    )
    .expect("config")
}

async fn spawn(b: Backend) -> TestBot {
    TestBot::spawn_fast_on(b, quiet(), TestClock::at("2026-11-16 12:00")).await
}

/// The local time a sender at their limit of `kind` is told to go on at: an hour after the
/// first counted action (they are all within the hour), to the minute, rounded up.
async fn go_on_at(bot: &TestBot, kind: Kind) -> String {
    let first = bot
        .scalar(&format!(
            "SELECT MIN(at) FROM rate_hits WHERE kind = '{}'",
            kind.as_str()
        ))
        .await
        .expect("counted");
    let until = first + kind.limit().window_ms;
    hhmm((until + 59_999) / 60_000 * 60_000)
}

async fn to_chat(bot: &TestBot, chat: i64) -> i64 {
    bot.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = {chat}"
    ))
    .await
}

/// Press `label` on `msg` and return the next message in the presser's chat.
async fn press_next(bot: &TestBot, who: &SimUser, msg: &SentMessage, label: &str) -> SentMessage {
    let data = msg
        .button(label)
        .unwrap_or_else(|| panic!("a button {label:?} on {:?}", msg.text()));
    let before = bot.sim.sent(who.id()).len();
    who.press(msg, &data);
    let all = bot
        .sim
        .wait_for_count(who.id(), before + 1, WAIT)
        .await
        .expect("an answer to the press");
    all[before].clone()
}

/// `/report TEXT`, a category, Submit: what the reporter is told at the end.
async fn file_hazard(bot: &TestBot, worker: &SimUser, text: &str) -> String {
    let ask = bot.ask(worker, &format!("/report {text}")).await;
    let confirm = press_next(bot, worker, &ask, "forest fire risk").await;
    let done = press_next(bot, worker, &confirm, "Submit (ordinary)").await;
    done.text().to_string()
}

async fn hazard_reports_past_ten_an_hour_wait(b: Backend) {
    let bot = spawn(b).await;
    let worker = bot.sim.user(91, "Grid Worker", Some("en"));
    let officer = bot.sim.user(92, "Officer", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    for n in 1..=10 {
        let done = file_hazard(&bot, &worker, &format!("Hazard number {n}")).await;
        assert!(done.contains(&format!("H-{n} submitted")), "{done}");
    }
    bot.quiesce().await;
    let notices = to_chat(&bot, officer.id()).await;
    assert!(notices >= 10);
    let time = go_on_at(&bot, Kind::Hazard).await;

    // The 11th by /report is refused before it is written.
    let refused = bot.ask(&worker, "/report An eleventh hazard").await;
    assert!(
        refused
            .text()
            .contains("10 hazard reports in the last hour")
            && refused.text().contains(&format!("after {time}")),
        "{}",
        refused.text()
    );
    // By a photo (a quick report) the draft starts, and its Submit is refused.
    let before = bot.sim.sent(worker.id()).len();
    worker.send_photo(Some("An eleventh hazard, by photo"));
    let ask = bot
        .sim
        .wait_for_count(worker.id(), before + 1, WAIT)
        .await
        .expect("asks the category")[before]
        .clone();
    let confirm = press_next(&bot, &worker, &ask, "forest fire risk").await;
    let refused = press_next(&bot, &worker, &confirm, "Submit (ordinary)").await;
    assert!(
        refused.text().contains(&format!("after {time}")),
        "{}",
        refused.text()
    );
    bot.quiesce().await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM hazards").await, 10);
    assert_eq!(to_chat(&bot, officer.id()).await, notices, "no notices");

    // An hour later it works again.
    bot.advance(HOUR).await;
    let done = file_hazard(&bot, &worker, "Hazard after the hour").await;
    assert!(done.contains("H-11 submitted"), "{done}");
    bot.sim
        .wait_for(officer.id(), WAIT, |m| {
            m.text().contains("Hazard after the hour")
        })
        .await
        .expect("routed");
}

async fn warnings_past_ten_an_hour_wait_in_either_form(b: Backend) {
    let bot = spawn(b).await;
    let lead = bot.sim.user(11, "Lead", Some("en"));
    let worker = bot.sim.user(14, "Worker", Some("en"));
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    for n in 1..=9 {
        let tally = bot
            .ask(&lead, &format!("/warn lijia blue Warning number {n}"))
            .await;
        assert!(tally.text().contains(&format!("W-{n}")), "{}", tally.text());
    }
    // A step-by-step draft begun while there is room, issued after the limit is reached.
    let level = bot.ask(&lead, "/warn").await;
    let ask_text = press_next(&bot, &lead, &level, "🔵 Blue warning").await;
    assert!(
        ask_text.text().contains("warning text"),
        "{}",
        ask_text.text()
    );
    let expiry = bot.ask(&lead, "The step-by-step warning").await;
    let preview = press_next(&bot, &lead, &expiry, "6 h").await;
    assert!(preview.text().contains("Preview"), "{}", preview.text());
    let tenth = bot.ask(&lead, "/warn lijia blue Warning number 10").await;
    assert!(tenth.text().contains("W-10"), "{}", tenth.text());
    bot.quiesce().await;
    let copies = to_chat(&bot, worker.id()).await;
    assert_eq!(copies, 10);
    let time = go_on_at(&bot, Kind::Warning).await;

    let refused = press_next(&bot, &lead, &preview, "📢 Issue").await;
    for refused in [
        refused,
        bot.ask(&lead, "/warn lijia red The eleventh").await,
        bot.ask(&lead, "/warn").await,
    ] {
        assert!(
            refused.text().contains("10 warnings in the last hour")
                && refused.text().contains(&format!("after {time}")),
            "{}",
            refused.text()
        );
    }
    bot.quiesce().await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 10);
    assert_eq!(to_chat(&bot, worker.id()).await, copies, "no copies");

    // An hour later the kept draft issues.
    bot.advance(HOUR).await;
    let tally = press_next(&bot, &lead, &preview, "📢 Issue").await;
    assert!(tally.text().contains("W-11"), "{}", tally.text());
    bot.sim
        .wait_for(worker.id(), WAIT, |m| {
            m.text().contains("The step-by-step warning")
        })
        .await
        .expect("the copy");
}

async fn tip_relays_past_thirty_an_hour_wait(b: Backend) {
    let bot = spawn(b).await;
    let desk = bot.sim.user(31, "Desk Lead", Some("en"));
    bot.join(&desk, "zhoucun", Role::Supervisor).await;
    let tipster = bot.sim.user(7_313_579_246, "Whistler", Some("en"));
    bot.ask(&tipster, "/tip").await;
    let noted = bot.ask(&tipster, "Trucks dump waste by the river").await;
    let sent = press_next(&bot, &tipster, &noted, "✅ Send tip").await;
    assert!(sent.text().contains("T-1"), "{}", sent.text());
    for n in 1..=30 {
        let relayed = bot.ask(&tipster, &format!("Follow-up number {n}")).await;
        assert!(
            relayed.text().contains("Sent to the tip desk (T-1)"),
            "{n}: {}",
            relayed.text()
        );
    }
    bot.sim
        .wait_for(desk.id(), WAIT, |m| {
            m.text().contains("Follow-up number 30")
        })
        .await
        .expect("relayed");
    bot.quiesce().await;
    let entries = bot.count("SELECT COUNT(*) FROM tip_entries").await;
    let to_desk = to_chat(&bot, desk.id()).await;
    let time = go_on_at(&bot, Kind::TipRelay).await;

    let refused = bot.ask(&tipster, "Follow-up number 31").await;
    assert!(
        refused
            .text()
            .contains("30 messages on this tip in the last hour")
            && refused.text().contains(&format!("after {time}")),
        "{}",
        refused.text()
    );
    bot.quiesce().await;
    assert_eq!(bot.count("SELECT COUNT(*) FROM tip_entries").await, entries);
    assert_eq!(to_chat(&bot, desk.id()).await, to_desk, "nothing relayed");

    bot.advance(HOUR).await;
    let relayed = bot.ask(&tipster, "After the hour").await;
    assert!(relayed.text().contains("T-1"), "{}", relayed.text());
    bot.sim
        .wait_for(desk.id(), WAIT, |m| m.text().contains("After the hour"))
        .await
        .expect("relayed again");
}

async fn invites_past_fifty_an_hour_wait(b: Backend) {
    let bot = spawn(b).await;
    let admin = bot.sim.user(21, "Admin", Some("en"));
    bot.join(&admin, "zhoucun", Role::Admin).await;
    let made = bot.count("SELECT COUNT(*) FROM invites").await;
    for n in 1..=50 {
        let reply = bot.ask(&admin, "/invite lijia grid_worker").await;
        assert!(
            reply.text().contains("Invite created"),
            "{n}: {}",
            reply.text()
        );
    }
    let time = go_on_at(&bot, Kind::Invite).await;
    let refused = bot.ask(&admin, "/invite lijia grid_worker").await;
    assert!(
        refused.text().contains("50 invites in the last hour")
            && refused.text().contains(&format!("after {time}")),
        "{}",
        refused.text()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM invites").await, made + 50);

    bot.advance(HOUR).await;
    let reply = bot.ask(&admin, "/invite lijia grid_worker").await;
    assert!(reply.text().contains("Invite created"), "{}", reply.text());
}

/// Many people redeem one code at once, each in a transaction of its own on a connection of
/// its own (as replicas would): no more join than the code has uses, and none is left over.
async fn an_invite_admits_no_more_people_than_its_uses_however_many_redeem_at_once(b: Backend) {
    const PEOPLE: usize = 8;
    let db = fresh_db(b).await;
    let store = app::open_store(&db.url).await.expect("database opens");
    let entries = orgfile::parse(ORG, "org.toml", &[]).expect("org");
    let mut tx = store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("import");
    tx.commit().await.expect("commit");
    for uses in [1, 3] {
        let code = invite::new_code();
        let hash = invite::hash_code(&code);
        let mut tx = store.begin().await.expect("tx");
        tx.create_invite(&hash, "lijia", Role::GridWorker, uses, None, 0)
            .await
            .expect("invite");
        tx.commit().await.expect("commit");
        let together = Arc::new(tokio::sync::Barrier::new(PEOPLE));
        let redeems = (0..PEOPLE).map(|i| {
            let (store, hash, together) = (store.clone(), hash.clone(), together.clone());
            let user = uses * 100 + i as i64;
            tokio::spawn(async move {
                // PostgreSQL: every transaction open before any redeems. SQLite takes its
                // write lock at BEGIN, so there they start together instead.
                if !matches!(b, Backend::Postgres) {
                    together.wait().await;
                }
                let mut tx = store.begin().await.expect("tx");
                if matches!(b, Backend::Postgres) {
                    together.wait().await;
                }
                let name = format!("P{user}");
                let who = Joiner {
                    tg_user_id: user,
                    name: &name,
                    username: None,
                    lang: "en",
                };
                let out = tx.redeem_invite(&hash, &who, 1).await.expect("redeem");
                tx.commit().await.expect("commit");
                out
            })
        });
        let outcomes: Vec<RedeemOutcome> = futures::future::join_all(redeems)
            .await
            .into_iter()
            .map(|r| r.expect("task"))
            .collect();
        let joined = outcomes
            .iter()
            .filter(|o| matches!(o, RedeemOutcome::Joined { .. }))
            .count();
        let used_up = outcomes
            .iter()
            .filter(|o| **o == RedeemOutcome::UsedUp)
            .count();
        assert_eq!((joined, used_up), (uses as usize, PEOPLE - uses as usize));
        let left: Option<i64> = match &store {
            lookout::store::Store::Sqlite(p) => {
                sqlx::query_scalar("SELECT uses_left FROM invites WHERE code_hash = $1")
                    .bind(&hash)
                    .fetch_one(p)
                    .await
            }
            lookout::store::Store::Postgres(p) => {
                sqlx::query_scalar("SELECT uses_left FROM invites WHERE code_hash = $1")
                    .bind(&hash)
                    .fetch_one(p)
                    .await
            }
            lookout::store::Store::Batch(_) => unreachable!("no batch here"),
        }
        .expect("uses left");
        assert_eq!(left, Some(0));
    }
    let members: i64 = match &store {
        lookout::store::Store::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM memberships")
                .fetch_one(p)
                .await
        }
        lookout::store::Store::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM memberships")
                .fetch_one(p)
                .await
        }
        lookout::store::Store::Batch(_) => unreachable!("no batch here"),
    }
    .expect("members");
    assert_eq!(members, 4);
    store.close().await;
}
