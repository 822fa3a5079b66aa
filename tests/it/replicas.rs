//! Webhook mode and several processes on one database: updates pushed by Telegram are
//! stored before they are acknowledged, a graceful stop finishes what it took, and when
//! the process holding the poller dies another takes over.

use crate::common::{free_addr, Backend, TestBot, WAIT};
use lookout::app::{self, Settings, Webhook};
use lookout::config::Config;
use lookout::org::Role;
use std::time::{Duration, Instant};

const SECRET: &str = "s3cret-Token_1";

/// Webhook mode, registering `http://ADDR/telegram` with the simulator on start.
fn webhook(bot: &TestBot) -> Settings {
    let listen = free_addr();
    let mut s = bot.settings();
    s.webhook = Some(Webhook {
        listen,
        secret: SECRET.into(),
        public_url: Some(format!("http://{listen}/telegram")),
    });
    s
}

both_backends!(
    webhook_mode_takes_pushed_updates_and_checks_the_secret,
    webhook_requests_arriving_together_share_a_commit,
    a_graceful_stop_handles_every_update_it_acknowledged
);

async fn webhook_mode_takes_pushed_updates_and_checks_the_secret(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    bot.kill();
    let settings = webhook(&bot);
    let url = settings.webhook.as_ref().and_then(|w| w.public_url.clone());
    bot.start_with(settings).await;
    let addr = bot.running().webhook_addr.expect("listening");
    assert_eq!(bot.sim.webhook_url(), url, "registered with setWebhook");
    let polls = bot.sim.stats().calls.get("getUpdates").copied();

    let alice = bot.sim.user(1001, "Alice", Some("en"));
    bot.join(&alice, "lijia", Role::GridWorker).await;
    let reply = bot.ask(&alice, "/help").await;
    assert!(reply.text().contains("/start CODE"), "{}", reply.text());
    assert!(bot.sim.stats().webhook_delivered >= 2);
    assert_eq!(
        bot.sim.stats().calls.get("getUpdates").copied(),
        polls,
        "no long polling in webhook mode"
    );

    // Without the secret, or with a wrong one, nothing is stored.
    let forged = serde_json::json!({
        "update_id": 987_654,
        "message": {"message_id": 1, "date": 0, "text": "/help",
                    "chat": {"id": 1001, "type": "private", "first_name": "Alice"},
                    "from": {"id": 1001, "is_bot": false, "first_name": "Alice"}}
    });
    let client = reqwest::Client::new();
    let hook = format!("http://{addr}/telegram");
    for secret in [None, Some("wrong"), Some("s3cret-Token_")] {
        let mut req = client.post(&hook).json(&forged);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let status = req.send().await.expect("post").status();
        assert_eq!(status, 401, "secret {secret:?}");
    }
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE update_id = 987654")
            .await,
        0
    );

    let health = client
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("json");
    assert_eq!(body["ok"], true);
    assert_eq!(body["pending_updates"], 0);
}

/// A hundred requests at once are stored with a few commits, not a hundred, and each is
/// answered 200 only once its update is stored.
async fn webhook_requests_arriving_together_share_a_commit(b: Backend) {
    const POSTS: i64 = 100;
    let mut bot = TestBot::spawn(b).await;
    bot.kill();
    let mut settings = webhook(&bot);
    // Every reading of this clock is a millisecond later, so two commits never share a
    // `received_at`: the number of distinct ones is the number of commits.
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let origin = chrono::Utc::now();
    settings.clock = lookout::clock::Clock::from_fn(move || {
        let n = ticks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        origin + chrono::Duration::milliseconds(n)
    });
    bot.start_with(settings).await;
    let hook = format!(
        "http://{}/telegram",
        bot.running().webhook_addr.expect("listening")
    );
    for i in 0..POSTS {
        bot.sim.user(9000 + i, "P", Some("en"));
    }
    let client = reqwest::Client::new();
    let posts = (0..POSTS).map(|i| {
        let update = serde_json::json!({
            "update_id": 700_000 + i,
            "message": {"message_id": i, "date": 0, "text": "/help",
                        "chat": {"id": 9000 + i, "type": "private", "first_name": "P"},
                        "from": {"id": 9000 + i, "is_bot": false, "first_name": "P"}}
        });
        let req = client
            .post(&hook)
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .json(&update);
        async move { req.send().await.expect("post").status() }
    });
    let statuses = futures::future::join_all(posts).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Answered 200 means stored: nothing to wait for.
    let stored = "SELECT COUNT(*) FROM inbox WHERE update_id >= 700000";
    assert_eq!(bot.count(stored).await, POSTS);
    let commits = bot
        .count("SELECT COUNT(DISTINCT received_at) FROM inbox WHERE update_id >= 700000")
        .await;
    assert!(
        commits <= POSTS / 4,
        "{commits} commits for {POSTS} requests"
    );
    for i in [0, POSTS - 1] {
        bot.sim
            .wait_for_count(9000 + i, 1, WAIT)
            .await
            .expect("answered");
    }
}

async fn a_graceful_stop_handles_every_update_it_acknowledged(b: Backend) {
    const PEOPLE: i64 = 300;
    let mut bot = TestBot::spawn_fast(b, Config::default()).await;
    bot.kill();
    bot.start_with(webhook(&bot)).await;
    let users: Vec<_> = (0..PEOPLE)
        .map(|i| bot.sim.user(5000 + i, &format!("p{i}"), Some("en")))
        .collect();
    for u in &users {
        u.send_text("/help");
    }
    // Stop while Telegram is still pushing.
    let deadline = Instant::now() + WAIT;
    while bot.sim.stats().webhook_delivered < (PEOPLE / 2) as u64 {
        assert!(Instant::now() < deadline, "webhook pushes stalled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.shutdown().await;

    // Every update acknowledged to Telegram was handled; the rest still wait at Telegram.
    let acknowledged = bot.sim.stats().webhook_delivered as i64;
    assert!(acknowledged < PEOPLE, "stopped before all were pushed");
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE state <> 'done'")
            .await,
        0
    );
    let stored = bot.count("SELECT COUNT(*) FROM inbox").await;
    assert!(
        stored >= acknowledged,
        "{stored} stored, {acknowledged} acknowledged"
    );
    assert_eq!(bot.sim.pending_updates() as i64, PEOPLE - acknowledged);

    // The next start takes the rest; everyone is answered exactly once.
    bot.start_with(webhook(&bot)).await;
    for u in &users {
        bot.sim
            .wait_for_count(u.id(), 1, WAIT)
            .await
            .expect("answered");
    }
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    for u in &users {
        assert_eq!(bot.sim.sent(u.id()).len(), 1, "user {}", u.id());
    }
}

/// Two processes poll-capable on one PostgreSQL: one polls, and when it dies the other
/// takes over within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_replica_takes_over_polling_when_the_holder_dies() {
    let mut first = TestBot::spawn(Backend::Postgres).await;
    let alice = first.sim.user(1001, "Alice", Some("en"));
    first.join(&alice, "lijia", Role::GridWorker).await;
    let second = app::start(first.settings()).await.expect("second replica");
    // Both running: the second waits for the lock instead of fighting over getUpdates.
    for i in 0..3 {
        let reply = first.ask(&alice, &format!("/help {i}")).await;
        assert!(reply.text().contains("/start CODE"));
    }
    assert_eq!(first.sim.stats().client_errors, 0, "no 409 conflicts");

    first.kill();
    let killed = Instant::now();
    let reply = first.ask(&alice, "/help").await;
    assert!(reply.text().contains("/start CODE"));
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(5), "takeover took {took:?}");
    second.shutdown().await;
}
