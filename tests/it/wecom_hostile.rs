//! Hostile input on `/wecom` (PRODUCT.md "Channels: Telegram and WeCom", "What bad input
//! gets"; issue 23, points 3 and 5): what is not WeCom's is refused with 401, 400 or the
//! listener's 413 and changes nothing; a replayed or retried request is handled once; forged
//! `EventKey`s, generated as `hostile.rs` forges Telegram's callback data, are refused or
//! ignored and change nothing. Runs briefly here; for a longer run:
//! `LOOKOUT_FUZZ_CASES=500 cargo test --test it -- wecom_hostile::`.

use crate::common::{Backend, TestBot, TestClock, WAIT};
use crate::hostile;
use lookout::action::Action;
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::wecom::{WecomMessage, WecomSim, WecomSimConfig, WecomUser};
use lookout::store::Store;
use lookout::wecom::crypto::Crypto;
use lookout::wecom::message::{Envelope, Inbound, Kind};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::time::Duration;

both_backends!(
    what_is_not_wecoms_is_refused_and_changes_nothing,
    url_verification_answers_only_wecom,
    a_replayed_request_is_handled_once,
    a_retry_after_a_slow_answer_is_handled_once,
    forged_event_keys_are_refused_and_change_nothing,
);

/// A corp that is not ours: same token and key (a leaked pair), another corp id.
const FOREIGN_CORP: &str = "wwforeign00000000";

fn query(signature: &str, timestamp: &str, nonce: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("msg_signature", signature)
        .append_pair("timestamp", timestamp)
        .append_pair("nonce", nonce)
        .finish()
}

/// The callback's own cryptography, as the simulator (and the bot) hold it.
fn ours() -> Crypto {
    let c = WecomSimConfig::default();
    Crypto::new(&c.token, &c.aes_key, &c.corp_id).expect("the simulator's keys")
}

/// `encrypt` in WeCom's envelope.
fn envelope(w: &WecomSim, encrypt: &str) -> String {
    Envelope {
        to_user_name: w.corp_id(),
        agent_id: Some(w.agent_id().to_string()),
        encrypt: encrypt.to_string(),
    }
    .to_xml()
}

/// A text message from `from`, as WeCom puts it in a callback.
fn text_xml(w: &WecomSim, from: &str, content: &str, msg_id: u64, at: i64) -> String {
    Inbound {
        to_corp: w.corp_id(),
        from: from.to_string(),
        create_time: at,
        agent_id: Some(w.agent_id()),
        msg_id: Some(msg_id.to_string()),
        kind: Kind::Text {
            content: content.to_string(),
        },
    }
    .to_xml()
}

/// `xml` encrypted by `crypto` and signed with its token: a query string and a body.
fn seal_with(w: &WecomSim, crypto: &Crypto, xml: &str, ts: &str, nonce: &str) -> (String, String) {
    let encrypt = crypto.encrypt(xml.as_bytes());
    let signature = crypto.sign(ts, nonce, &encrypt);
    (query(&signature, ts, nonce), envelope(w, &encrypt))
}

/// What a refused request must not have changed.
async fn counts(bot: &TestBot) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in [
        "inbox",
        "people",
        "memberships",
        "outbox",
        "wecom_addresses",
        "wecom_card_codes",
        "conversations",
    ] {
        out.push((t, bot.count(&format!("SELECT COUNT(*) FROM {t}")).await));
    }
    out
}

/// The seconds of the bot's clock now.
fn now_secs(bot: &TestBot) -> i64 {
    bot.now_ms() / 1000
}

async fn what_is_not_wecoms_is_refused_and_changes_nothing(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    let li = w.user("lisi", "李四");
    bot.join_wecom(&li, "lijia", Role::DutyOfficer).await;
    // Every hostile body asks to join with a good code: taken, it would make a person.
    let code = bot.invite("lijia", Role::GridWorker, 100, None).await;
    let join = |n: u64, at: i64| {
        text_xml(
            w,
            &format!("mallory{n}"),
            &format!("/start {code}"),
            7_000 + n,
            at,
        )
    };
    bot.quiesce().await;
    let before = counts(&bot).await;
    let heard = li.messages().len();

    let now = now_secs(&bot);
    let ts = now.to_string();
    let (good_q, good_body) = w.seal(&join(1, now), now, "n1");
    let good_sig = good_q
        .split('&')
        .find_map(|kv| kv.strip_prefix("msg_signature="))
        .expect("a signature")
        .to_string();
    let good_encrypt = lookout::wecom::message::envelope(&good_body)
        .expect("an envelope")
        .encrypt;
    let c = WecomSimConfig::default();
    let mut cases: Vec<(String, String, String, &[u16])> = Vec::new();
    let mut case = |what: &str, q: String, body: String, expect: &'static [u16]| {
        cases.push((what.to_string(), q, body, expect));
    };

    // Not signed, or not by us.
    case("no query at all", String::new(), good_body.clone(), &[400]);
    for missing in ["msg_signature", "timestamp", "nonce"] {
        let q: Vec<&str> = good_q
            .split('&')
            .filter(|kv| !kv.starts_with(missing))
            .collect();
        case(
            &format!("no {missing}"),
            q.join("&"),
            good_body.clone(),
            &[400],
        );
    }
    case(
        "an empty signature",
        query("", &ts, "n1"),
        good_body.clone(),
        &[401],
    );
    let mut off = good_sig.clone().into_bytes();
    off[0] = if off[0] == b'0' { b'1' } else { b'0' };
    let off = String::from_utf8(off).expect("hex");
    case(
        "a signature off by a digit",
        query(&off, &ts, "n1"),
        good_body.clone(),
        &[401],
    );
    let other = Crypto::new("anotherToken", &c.aes_key, &c.corp_id).expect("keys");
    let sig = other.sign(&ts, "n1", &good_encrypt);
    case(
        "another token's signature",
        query(&sig, &ts, "n1"),
        good_body.clone(),
        &[401],
    );
    case(
        "the signature of another nonce",
        query(&good_sig, &ts, "n2"),
        good_body.clone(),
        &[401],
    );
    let later = (now + 1).to_string();
    case(
        "the signature of another time",
        query(&good_sig, &later, "n1"),
        good_body.clone(),
        &[401],
    );
    let mut bent = good_encrypt.clone().into_bytes();
    bent[10] = if bent[10] == b'A' { b'B' } else { b'A' };
    let bent = String::from_utf8(bent).expect("base64");
    case(
        "the ciphertext altered",
        good_q.clone(),
        envelope(w, &bent),
        &[401],
    );
    let (_, other_body) = w.seal(&join(2, now), now, "n1");
    case(
        "another message under this signature",
        good_q.clone(),
        other_body,
        &[401],
    );

    // Signed, but stale or from elsewhere.
    for (what, at) in [
        ("301 s old", (now - 301).to_string()),
        // The clock runs on while the request travels: a margin, so it cannot come within 300 s.
        ("303 s ahead", (now + 303).to_string()),
        ("a day old", (now - 86_400).to_string()),
        ("at the epoch", "0".to_string()),
        ("at i64::MIN", i64::MIN.to_string()),
        ("at i64::MAX", i64::MAX.to_string()),
        // Exactly 2^63 s before now: a difference that overflows an i64.
        ("2^63 s before now", (now + i64::MIN).to_string()),
        ("at no number", "soon".to_string()),
        ("at an empty time", String::new()),
        ("at a time in milliseconds", (now * 1000).to_string()),
    ] {
        let (q, body) = seal_with(w, &ours(), &join(3, now), &at, "n3");
        case(&format!("signed {what}"), q, body, &[401]);
    }
    let foreign = Crypto::new(&c.token, &c.aes_key, FOREIGN_CORP).expect("keys");
    let (q, body) = seal_with(w, &foreign, &join(4, now), &ts, "n4");
    case(
        "a foreign corp's message, correctly signed",
        q,
        body,
        &[401],
    );

    // Not WeCom's XML.
    case("an empty body", good_q.clone(), String::new(), &[400]);
    case("not XML", good_q.clone(), "hello".into(), &[400]);
    case("JSON", good_q.clone(), r#"{"Encrypt":"x"}"#.into(), &[400]);
    case(
        "truncated",
        good_q.clone(),
        good_body[..good_body.len() / 2].to_string(),
        &[400],
    );
    case(
        "no Encrypt",
        good_q.clone(),
        "<xml><ToUserName>x</ToUserName></xml>".into(),
        &[400],
    );
    case(
        "two roots",
        good_q.clone(),
        format!("{good_body}{good_body}"),
        &[400],
    );
    case(
        "a DOCTYPE with an external entity (XXE)",
        good_q.clone(),
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
             <xml><ToUserName>{}</ToUserName><Encrypt>&xxe;</Encrypt></xml>",
            w.corp_id()
        ),
        &[400],
    );
    case(
        "entity expansion (billion laughs)",
        good_q.clone(),
        "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\
         <xml><ToUserName>&b;</ToUserName><Encrypt>&b;</Encrypt></xml>"
            .into(),
        &[400],
    );
    case(
        "an undeclared entity",
        good_q.clone(),
        format!("<xml><ToUserName>&corp;</ToUserName><Encrypt>{good_encrypt}</Encrypt></xml>"),
        &[400],
    );
    let junk = "!!not base64!!";
    case(
        "a signed Encrypt that is not base64",
        query(&ours().sign(&ts, "n5", junk), &ts, "n5"),
        envelope(w, junk),
        &[400],
    );
    let stranger_key = Crypto::new(
        &c.token,
        "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
        &c.corp_id,
    )
    .expect("keys")
    .encrypt(join(5, now).as_bytes());
    case(
        "a signed message under another AES key",
        query(&ours().sign(&ts, "n5", &stranger_key), &ts, "n5"),
        envelope(w, &stranger_key),
        // Its padding reads as garbage (400), or, rarely, as another corp's id (401).
        &[400, 401],
    );
    let big = "A".repeat(100 * 1024);
    case(
        "a 100 KiB envelope",
        query(&ours().sign(&ts, "n6", &big), &ts, "n6"),
        envelope(w, &big),
        &[400],
    );
    case(
        "past the listener's cap",
        good_q.clone(),
        "<".repeat((1 << 20) + 1),
        &[413],
    );

    // Signed by WeCom but unreadable inside: answered (sending it again would not help), and
    // ignored.
    for (what, inner) in [
        ("garbage", "not xml at all".to_string()),
        ("truncated", join(6, now)[..40].to_string()),
        (
            "a DOCTYPE",
            format!(
                "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
                join(7, now)
            ),
        ),
        (
            "no sender",
            join(8, now).replace("<FromUserName><![CDATA[mallory8]]></FromUserName>", ""),
        ),
        (
            "a text without content",
            join(9, now).replace("Content>", "Contents>"),
        ),
        // No XML holds one, and PostgreSQL's text cannot.
        ("a NUL", join(11, now).replace("/start", "/start\0")),
    ] {
        let (q, body) = w.seal(&inner, now, "n7");
        case(&format!("signed {what} inside"), q, body, &[200, 400]);
    }

    for (what, q, body, expect) in &cases {
        let status = w.push_raw(q, body.clone()).await;
        assert!(
            expect.contains(&status),
            "{what}: answered {status}, not {expect:?}"
        );
    }
    // A body not even UTF-8.
    let status = raw_post(&bot, &good_q, vec![0xff, 0xfe, 0x3c, 0x78]).await;
    assert_eq!(status, 400, "a body not UTF-8");

    bot.quiesce().await;
    assert_eq!(
        counts(&bot).await,
        before,
        "a refused request changed something"
    );
    assert_eq!(li.messages().len(), heard, "someone was answered");
    let help = bot.ask_wecom(&li, "/help").await;
    assert!(help.text.contains("可用命令"), "{}", help.text);

    // The same join, sealed right and 290 s old, is taken: the refusals above were not for
    // want of a good body.
    let at = now_secs(&bot) - 290;
    let (q, body) = w.seal(&join(10, at), at, "n8");
    assert_eq!(w.push_raw(&q, body).await, 200);
    bot.wait_count("SELECT COUNT(*) FROM people", before[1].1 + 1)
        .await;
}

/// POSTs raw bytes to the bot's `/wecom`.
async fn raw_post(bot: &TestBot, query: &str, body: Vec<u8>) -> u16 {
    let addr = bot.running().http_addr.expect("the HTTP listener");
    reqwest::Client::new()
        .post(format!("http://{addr}/wecom?{query}"))
        .body(body)
        .timeout(WAIT)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

async fn url_verification_answers_only_wecom(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    assert!(w.verify_callback().await, "WeCom's own check");
    let c = WecomSimConfig::default();
    let echo = |crypto: &Crypto, ts: &str, nonce: &str, plain: &str| {
        let echostr = crypto.encrypt(plain.as_bytes());
        let signature = crypto.sign(ts, nonce, &echostr);
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("msg_signature", &signature)
            .append_pair("timestamp", ts)
            .append_pair("nonce", nonce)
            .append_pair("echostr", &echostr);
        q.finish()
    };
    let now = now_secs(&bot);
    let ts = now.to_string();
    let (status, body) = w.get_raw(&echo(&ours(), &ts, "e1", "4242")).await;
    assert_eq!((status, body.as_str()), (200, "4242"));

    let foreign = Crypto::new(&c.token, &c.aes_key, FOREIGN_CORP).expect("keys");
    let other_token = Crypto::new("anotherToken", &c.aes_key, &c.corp_id).expect("keys");
    let good = echo(&ours(), &ts, "e2", "4243");
    let cases: Vec<(&str, String, u16)> = vec![
        ("no query", String::new(), 400),
        (
            "no echostr",
            good.split('&')
                .filter(|kv| !kv.starts_with("echostr"))
                .collect::<Vec<_>>()
                .join("&"),
            400,
        ),
        ("another nonce", good.replace("nonce=e2", "nonce=e3"), 401),
        ("another token", echo(&other_token, &ts, "e4", "1"), 401),
        ("a foreign corp", echo(&foreign, &ts, "e5", "1"), 401),
        (
            "301 s old",
            echo(&ours(), &(now - 301).to_string(), "e6", "1"),
            401,
        ),
        (
            "303 s ahead",
            echo(&ours(), &(now + 303).to_string(), "e7", "1"),
            401,
        ),
        (
            "2^63 s before now",
            echo(&ours(), &(now + i64::MIN).to_string(), "e8", "1"),
            401,
        ),
        (
            "at i64::MIN",
            echo(&ours(), &i64::MIN.to_string(), "e9", "1"),
            401,
        ),
        (
            "a signed echostr that is not base64",
            query(&ours().sign(&ts, "e10", "%%%"), &ts, "e10") + "&echostr=%25%25%25",
            400,
        ),
    ];
    for (what, q, expect) in cases {
        let (status, body) = w.get_raw(&q).await;
        assert_eq!(status, expect, "{what}: answered {status} {body:?}");
    }
    assert!(w.verify_callback().await, "still verifies");
    assert_eq!(bot.count("SELECT COUNT(*) FROM inbox").await, 0);
}

async fn a_replayed_request_is_handled_once(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, morning(), TestClock::at("2026-11-16 07:00")).await;
    let w = bot.wecom();
    let li = w.user("lisi", "李四");
    bot.join_wecom(&li, "lijia", Role::DutyOfficer).await;
    bot.quiesce().await;

    // The same signed request, twice; then the same message sealed again (another nonce and
    // time, as a later delivery is).
    let heard = li.messages().len();
    let now = now_secs(&bot);
    let xml = text_xml(w, "lisi", "/help", 9_001, now);
    let (q, body) = w.seal(&xml, now, "r1");
    assert_eq!(w.push_raw(&q, body.clone()).await, 200);
    assert_eq!(w.push_raw(&q, body).await, 200);
    let (q, body) = w.seal(&xml, now + 3, "r2");
    assert_eq!(w.push_raw(&q, body).await, 200);
    let help = bot.wecom_reply(&li, heard).await;
    assert!(help.text.contains("可用命令"), "{}", help.text);
    bot.quiesce().await;
    assert_eq!(
        li.messages().len(),
        heard + 1,
        "one answer: {:?}",
        li.messages()
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE source_key = 'msg:9001'")
            .await,
        1
    );

    // A press pushed again, twice at once: one answer row, the card updated once, nothing
    // more said.
    bot.advance_to_timer("sched:zero_report.remind").await;
    let card = w
        .wait_for(
            "lisi",
            |m| m.card.as_ref().is_some_and(|c| !c.buttons.is_empty()),
            WAIT,
        )
        .await
        .expect("the reminder as a card");
    let key = card
        .button("✅ 零报告（无情况）")
        .expect("the nothing button");
    let task = card.card.as_ref().expect("card").task_id.clone();
    let pushed = li.press(&task, &key).await;
    assert!(pushed.delivered());
    w.wait_for("lisi", |m| m.updates > 0, WAIT)
        .await
        .expect("the card updated");
    bot.quiesce().await;
    let seen = li.messages();
    let (q, body) = w.seal(&pushed.inbound.to_xml(), now_secs(&bot), "r3");
    let (first, second) = tokio::join!(w.push_raw(&q, body.clone()), w.push_raw(&q, body));
    assert_eq!((first, second), (200, 200));
    bot.quiesce().await;
    assert_eq!(li.messages(), seen, "the replayed press was handled again");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM zero_answers WHERE unit_id = 'lijia'")
            .await,
        1
    );
    let key = pushed.inbound.dedup_key().replace('\'', "''");
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM inbox WHERE source_key = '{key}'"
        ))
        .await,
        1
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE state = 'failed'")
            .await,
        0
    );
}

fn morning() -> Config {
    let text =
        "[fire_season]\nperiods = [\"01-01..12-31\"]\n[zero_report]\nremind = \"0 0 8 * * *\"\n\
         deadline = \"0 0 10 * * *\"\nsummary = \"0 30 10 * * *\"\n";
    Config::parse(text, "test.toml").expect("test config")
}

/// Holds what storing a WeCom message waits for (SQLite's write lock; on PostgreSQL the
/// numbering lock of `store::wecom`), so the bot is slow to answer `/wecom`.
enum Hold {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// `store::wecom`'s NUMBERING_LOCK.
const NUMBERING_LOCK: i64 = 0x0057_4543_4f4d;

async fn hold_inbox(store: &Store) -> Hold {
    match store {
        Store::Sqlite(p) => Hold::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.expect("lock")),
        Store::Postgres(p) => {
            let mut c = p.acquire().await.expect("a connection");
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(NUMBERING_LOCK)
                .execute(&mut *c)
                .await
                .expect("lock");
            Hold::Postgres(c)
        }
        Store::Batch(_) => unreachable!("tests read through a pool"),
    }
}

async fn release(hold: Hold) {
    match hold {
        Hold::Sqlite(tx) => tx.rollback().await.expect("unlock"),
        Hold::Postgres(mut c) => {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(NUMBERING_LOCK)
                .execute(&mut *c)
                .await
                .expect("unlock");
        }
    }
}

async fn a_retry_after_a_slow_answer_is_handled_once(b: Backend) {
    let bot = TestBot::spawn_wecom_on(b, Config::default(), TestClock::now()).await;
    let w = bot.wecom();
    let li = w.user("lisi", "李四");
    bot.join_wecom(&li, "lijia", Role::DutyOfficer).await;
    bot.quiesce().await;
    // WeCom, impatient: it pushes again when the bot has not answered within 300 ms.
    let impatient = WecomSim::start(WecomSimConfig {
        limits: false,
        clock: bot.test_clock().clock(),
        answer_within: Duration::from_millis(300),
        ..WecomSimConfig::default()
    })
    .await;
    // Its MsgIds count from where this one's began: past those the bot has seen.
    for _ in 0..1_000 {
        impatient.user("nobody", "无人").send_text("").await;
    }
    let heard = li.messages().len();
    let inbox = bot.count("SELECT COUNT(*) FROM inbox").await;

    impatient.set_callback(format!(
        "http://{}/wecom",
        bot.running().http_addr.expect("the HTTP listener")
    ));
    let hold = hold_inbox(&bot.store).await;
    let member = impatient.user("lisi", "李四");
    let push = tokio::spawn(async move { member.send_text("/help").await });
    let deadline = tokio::time::Instant::now() + WAIT;
    while impatient.stats().callbacks_failed < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "WeCom never gave up waiting"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    release(hold).await;
    let pushed = push.await.expect("the push");
    assert!(pushed.delivered(), "{pushed:?}");
    assert!(pushed.attempts >= 3, "{pushed:?}");

    let help = bot.wecom_reply(&li, heard).await;
    assert!(help.text.contains("可用命令"), "{}", help.text);
    bot.quiesce().await;
    assert_eq!(
        li.messages().len(),
        heard + 1,
        "one answer: {:?}",
        li.messages()
    );
    assert_eq!(bot.count("SELECT COUNT(*) FROM inbox").await, inbox + 1);
    let key = pushed.inbound.dedup_key();
    assert_eq!(
        bot.count(&format!(
            "SELECT COUNT(*) FROM inbox WHERE source_key = '{key}'"
        ))
        .await,
        1
    );
    impatient.shutdown();
}

// ---- Forged EventKeys (PRODUCT.md "Buttons are untrusted") ----

/// The kinds of forged key: every `Action` variant's data (`hostile::forged`), then junk.
const KINDS: usize = hostile::VARIANTS + 1;

fn junk_key() -> BoxedStrategy<String> {
    prop_oneof![
        hostile::callback(),
        "\\PC{1,200}",
        Just("done".to_string()),
        Just("]]><xml>".to_string()),
        Just("字".repeat(2_000)),
    ]
    .prop_filter("WeCom sends no empty key", |k| !k.trim().is_empty())
    .boxed()
}

/// Task ids of cards that never were: WeCom's alphabet, and ours (`lk` and hex).
fn made_up_task() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9_@-]{1,128}", "lk[0-9a-f]{32}"]
}

struct Presser {
    role: &'static str,
    user: WecomUser,
    hazard_draft: bool,
    warn_draft: bool,
}

impl Presser {
    /// What is theirs to do (see `hostile::Presser`).
    fn legit(&self, a: &Action) -> bool {
        match a {
            Action::HzSubmit { .. } | Action::HzCancel => self.hazard_draft,
            Action::WarnDrop => self.warn_draft,
            _ => false,
        }
    }
}

fn cards_of(messages: &[WecomMessage]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| m.card.as_ref())
        .map(|c| c.task_id.clone())
        .collect()
}

/// Everything every WeCom member but `me` and every Telegram chat got so far (updates
/// included).
fn others_received(bot: &TestBot, everyone: &[&str], me: &str) -> Vec<String> {
    let mut out: Vec<String> = everyone
        .iter()
        .filter(|u| **u != me)
        .flat_map(|u| {
            bot.wecom()
                .messages_to(u)
                .into_iter()
                .map(move |m| format!("{u}: {m:?}"))
        })
        .collect();
    out.extend(
        bot.sim
            .all_sent()
            .into_iter()
            .map(|m| format!("{} {} {} {}", m.chat_id, m.message_id, m.edits, m.text())),
    );
    out
}

async fn forged_event_keys_are_refused_and_change_nothing(b: Backend) {
    let clock = TestClock::at("2026-11-16 07:00");
    let bot = TestBot::spawn_wecom_on(b, hostile::config(), clock).await;
    let w = bot.wecom();
    // Branch A (南郊镇) with one of everything (hostile.rs), and an officer of it on WeCom,
    // whose cards (the reminder, H-1's alert, W-1) branch B presses on.
    let a_officer = w.user("a_officer", "南郊值班员");
    bot.join_wecom(&a_officer, "nanjiao", Role::DutyOfficer)
        .await;
    bot.advance_to_timer("sched:zero_report.remind").await;
    let a = hostile::branch_a(&bot).await;
    let a_cards = w
        .wait_for(
            "a_officer",
            |m| m.text.contains("Flood on the Nanjiao river"),
            WAIT,
        )
        .await
        .map(|_| cards_of(&a_officer.messages()))
        .expect("W-1 reached A's officer");
    assert!(a_cards.len() >= 3, "{:?}", a_officer.messages());

    // The pressers, in branch B (王村镇 wangcun and 李家村 lijia below it) or nowhere.
    let mut pressers = Vec::new();
    for (id, role, unit) in [
        ("b_worker", "grid_worker", Some(("lijia", Role::GridWorker))),
        (
            "b_officer",
            "duty_officer",
            Some(("lijia", Role::DutyOfficer)),
        ),
        ("b_lead", "supervisor", Some(("wangcun", Role::Supervisor))),
        ("b_admin", "admin", Some(("wangcun", Role::Admin))),
        ("b_stranger", "stranger", None),
    ] {
        let user = w.user(id, role);
        if let Some((unit, r)) = unit {
            bot.join_wecom(&user, unit, r).await;
        }
        let mut p = Presser {
            role,
            user,
            hazard_draft: false,
            warn_draft: false,
        };
        match role {
            "grid_worker" | "duty_officer" => {
                let ask = bot
                    .ask_wecom(&p.user, "/report Smoke near the Lijia school")
                    .await;
                let task = ask
                    .card
                    .as_ref()
                    .expect("the kinds as a card")
                    .task_id
                    .clone();
                let kind = Action::HzCategory("forest_fire".into()).data();
                assert!(p.user.press(&task, &kind).await.delivered());
                w.wait_for(id, |m| m.text.contains("请确认隐患上报"), WAIT)
                    .await
                    .expect("the draft's summary");
                p.hazard_draft = true;
            }
            "supervisor" | "admin" => {
                bot.ask_wecom(&p.user, "/warn").await;
                p.warn_draft = true;
            }
            _ => {}
        }
        pressers.push(p);
    }
    let everyone: Vec<&str> = std::iter::once("a_officer")
        .chain(pressers.iter().map(|p| p.user.userid()))
        .collect();
    // Settle, then make sure nothing falls due while presses are checked.
    bot.advance(Duration::from_secs(60)).await;
    let next_due = bot
        .scalar("SELECT MIN(due_at) FROM timers WHERE state = 'pending'")
        .await
        .unwrap_or(i64::MAX);
    assert!(
        next_due > bot.now_ms() + 5 * 60_000,
        "a timer is due during the test"
    );

    let cases: usize = std::env::var("LOOKOUT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30usize)
        .max(KINDS);
    let mut runner = TestRunner::default();
    let mut covered = [false; KINDS];
    let mut refused = 0;
    for n in 0..cases {
        // Every kind once first, by pressers in turn; then at random.
        let (mut who, kind) = if n < KINDS {
            (n % pressers.len(), n)
        } else {
            (0..pressers.len(), 0..KINDS)
                .new_tree(&mut runner)
                .expect("a pick")
                .current()
        };
        let key = if kind < hostile::VARIANTS {
            let action = hostile::forged(kind)
                .new_tree(&mut runner)
                .expect("a value")
                .current();
            // What is theirs to do is pressed by the next presser, for whom it is forged.
            while pressers[who].legit(&action) {
                who = (who + 1) % pressers.len();
            }
            assert_eq!(hostile::variant_of(&action), Some(kind));
            action.data()
        } else {
            junk_key().new_tree(&mut runner).expect("a key").current()
        };
        let p = &pressers[who];
        let mine = cards_of(&p.user.messages());
        // On one of their own cards, on one of A's, or on one that never was.
        let task = match n % 3 {
            0 if !mine.is_empty() => mine[n % mine.len()].clone(),
            1 => a_cards[n % a_cards.len()].clone(),
            _ => made_up_task()
                .new_tree(&mut runner)
                .expect("a task id")
                .current(),
        };

        let before = hostile::snapshot(&bot).await;
        let others = others_received(&bot, &everyone, p.user.userid());
        let had = p.user.messages();
        let pushed = p.user.press(&task, &key).await;
        assert!(pushed.delivered(), "{} pressed {key:?}: {pushed:?}", p.role);
        bot.quiesce().await;
        let now = p.user.messages();
        let replies: Vec<&WecomMessage> = now[had.len()..].iter().collect();
        assert_eq!(
            &now[..had.len()],
            &had[..],
            "{} pressed {key:?} on {task}: a card of theirs changed",
            p.role
        );
        refused += usize::from(!replies.is_empty());
        let after = hostile::snapshot(&bot).await;
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(
                b, a,
                "{} pressed {key:?} on {task} ({replies:?}): state changed",
                p.role
            );
        }
        let told: Vec<String> = others_received(&bot, &everyone, p.user.userid())
            .into_iter()
            .filter(|m| !others.contains(m))
            .collect();
        assert!(
            told.is_empty(),
            "{} pressed {key:?} on {task} ({replies:?}): someone else was told {told:?}",
            p.role
        );
        covered[kind] = true;
    }
    assert!(
        covered.iter().all(|c| *c),
        "kinds left unforged: {covered:?}"
    );
    assert!(refused > 0, "no press was ever answered");
    assert!(
        !bot.sim
            .sent(a.reporter.id())
            .iter()
            .any(|m| m.text().contains("confirmed your hazard")),
        "A's reporter was told of a join"
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE state = 'failed'")
            .await,
        0,
        "no press failed for good"
    );
    assert_eq!(w.dropped(), 0);
}
