//! The core loop under a backlog: updates handled together see each other's effects in
//! order, and a crash while a batch is open loses nothing and repeats nothing.

use crate::common::{Backend, TestBot, WAIT};
use lookout::config::Config;
use std::time::{Duration, Instant};

both_backends!(a_kill_in_the_middle_of_a_batch_loses_and_repeats_nothing);

const CHATS: i64 = 300;

async fn a_kill_in_the_middle_of_a_batch_loses_and_repeats_nothing(b: Backend) {
    let mut bot = TestBot::spawn_fast(b, Config::default()).await;
    bot.kill();
    // A backlog while the bot is down: each chat switches to English, then asks for help.
    // The second update must see the first (in a batch: inside the same transaction).
    let users: Vec<_> = (0..CHATS)
        .map(|i| bot.sim.user(900_000 + i, &format!("访客{i}"), Some("zh")))
        .collect();
    for u in &users {
        u.send_text("/lang en");
        u.send_text("/help");
    }
    bot.start().await;
    // Crash as soon as the first updates are stored, while the backlog is being handled.
    let deadline = Instant::now() + WAIT;
    while bot.count("SELECT COUNT(*) FROM inbox").await == 0 {
        assert!(Instant::now() < deadline, "no update was stored");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bot.kill();
    let left = bot
        .count("SELECT COUNT(*) FROM inbox WHERE state = 'pending'")
        .await;
    assert!(
        left > 0,
        "the kill came after the backlog was done: it tests nothing"
    );

    bot.start().await;
    for u in &users {
        bot.sim
            .wait_for_count(u.id(), 2, WAIT)
            .await
            .expect("both replies after the restart");
    }
    bot.wait_count("SELECT COUNT(*) FROM inbox WHERE state <> 'done'", 0)
        .await;
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    bot.settle().await;
    for u in &users {
        let sent = bot.sim.sent(u.id());
        let texts: Vec<&str> = sent.iter().map(|m| m.text()).collect();
        assert_eq!(sent.len(), 2, "{}: {texts:?}", u.id());
        assert!(texts[0].contains("English"), "{texts:?}");
        assert!(
            texts[1].starts_with("Commands:"),
            "in order and in English: {texts:?}"
        );
    }
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE attempts > 0")
            .await,
        0,
        "no update failed"
    );
}
