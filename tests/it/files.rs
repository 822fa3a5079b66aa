//! Files are untrusted, through the real bot on both backends: a picture sent as a file is
//! judged from its header before anything decodes it (too large: refused with a reply, nothing
//! forwarded), downloads are capped however the file describes itself, a picture that
//! cannot be decoded fails alone without holding up what follows it, and a message whose
//! sends never finished (the process died each time) is given up after a restart.

use crate::common::{Backend, TestBot, WAIT};
use lookout::config::Config;
use lookout::delivery::MAX_CLAIMS;
use lookout::org::Role;
use lookout::scrub::{self, large_png};
use lookout::sim::{SentMessage, SimUser};
use lookout::store::Outgoing;
use serde_json::json;

both_backends!(
    a_huge_picture_sent_as_a_file_is_refused_and_nothing_is_forwarded,
    a_file_larger_than_it_says_is_cut_off_at_the_cap,
    a_broken_picture_fails_alone_and_is_decoded_once_for_the_whole_desk,
    a_message_whose_sends_never_finished_is_given_up_after_restart,
);

const TIPSTER: i64 = 7_313_579_246;

/// Two desk members (supervisors of the top unit) and a tipster in a tip draft.
async fn desk_and_draft(bot: &TestBot) -> (SimUser, SimUser, SimUser) {
    let first = bot.sim.user(31, "Desk Lead", Some("en"));
    bot.join(&first, "zhoucun", Role::Supervisor).await;
    let second = bot.sim.user(32, "Desk Deputy", Some("en"));
    bot.join(&second, "zhoucun", Role::Supervisor).await;
    let tipster = bot.sim.user(TIPSTER, "Whistleqx", Some("en"));
    let intro = bot.ask(&tipster, "/tip").await;
    assert!(intro.text().contains("Anonymous tip"), "{}", intro.text());
    let noted = bot.ask(&tipster, "Drums of solvent behind the mill").await;
    assert!(noted.text().contains("Noted"), "{}", noted.text());
    (first, second, tipster)
}

/// The tipster's next reply after sending this file.
async fn reply_to_file(
    bot: &TestBot,
    tipster: &SimUser,
    name: &str,
    bytes: Vec<u8>,
    declared: u64,
) -> SentMessage {
    let before = bot.sim.sent(tipster.id()).len();
    tipster.send_document_declaring(name, "image/png", bytes, declared);
    bot.sim
        .wait_for_count(tipster.id(), before + 1, WAIT)
        .await
        .expect("a reply")[before]
        .clone()
}

/// Press "Send tip" on the last reply that has it; returns the tip id.
async fn send_the_tip(bot: &TestBot, tipster: &SimUser) -> String {
    let last = bot
        .sim
        .sent(tipster.id())
        .into_iter()
        .rev()
        .find(|m| m.button("✅ Send tip").is_some())
        .expect("a reply with the send button");
    let send = last.button("✅ Send tip").expect("send button");
    tipster.press(&last, &send);
    let sent = bot
        .sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("receipt code"))
        .await
        .expect("tip sent");
    sent.text()
        .split_whitespace()
        .find(|w| w.starts_with("T-"))
        .expect("tip id")
        .to_string()
}

fn getfile_calls(bot: &TestBot) -> u64 {
    bot.sim.stats().calls.get("getFile").copied().unwrap_or(0)
}

async fn a_huge_picture_sent_as_a_file_is_refused_and_nothing_is_forwarded(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let (desk, _, tipster) = desk_and_draft(&bot).await;
    // 9000 × 9000 pixels in a few hundred KB: refused from its header, in the tipster's
    // language, read from its first bytes only.
    let png = large_png(9000, 9000);
    assert!(png.len() < 1 << 20, "{} bytes", png.len());
    let len = png.len() as u64;
    let refused = reply_to_file(&bot, &tipster, "site.png", png, len).await;
    assert!(
        refused.text().contains("too large") && refused.text().contains("send it as a photo"),
        "{}",
        refused.text()
    );
    assert_eq!(getfile_calls(&bot), 1, "its header was fetched");
    // Declared over 20 MB: refused from its size, nothing fetched.
    let small = large_png(10, 10);
    let refused = reply_to_file(&bot, &tipster, "big.png", small, 21 << 20).await;
    assert!(refused.text().contains("too large"), "{}", refused.text());
    assert_eq!(
        getfile_calls(&bot),
        1,
        "nothing fetched for a file declared too large"
    );
    // In Chinese for a Chinese speaker.
    let zh = bot.sim.user(TIPSTER + 1, "举报人", Some("zh-CN"));
    bot.ask(&zh, "/tip").await;
    bot.ask(&zh, "河边有人倾倒溶剂").await;
    let refused = reply_to_file(&bot, &zh, "现场.png", large_png(9000, 9000), 300_000).await;
    assert!(
        refused.text().contains("以照片方式发送"),
        "{}",
        refused.text()
    );

    // The tip goes without them: its text reaches the desk, no picture does.
    let id = send_the_tip(&bot, &tipster).await;
    bot.sim
        .wait_for(desk.id(), WAIT, |m| m.text().contains(&id))
        .await
        .expect("the tip reaches the desk");
    bot.settle().await;
    assert!(
        bot.sim.sent(desk.id()).iter().all(|m| m.photo.is_none()),
        "a picture was forwarded"
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE method = 'sendPhoto'")
            .await,
        0
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'")
            .await,
        0
    );
}

async fn a_file_larger_than_it_says_is_cut_off_at_the_cap(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let (desk, second, tipster) = desk_and_draft(&bot).await;
    // A sound small picture followed by 60 MB, declared as 200 KB, from a file server that
    // does not say how long its files are.
    bot.sim.stream_files(true);
    let mut liar = large_png(640, 480);
    let full = liar.len() + (60 << 20);
    liar.resize(full, 0);
    let taken = reply_to_file(&bot, &tipster, "IMG_7.png", liar, 200_000).await;
    assert!(taken.text().contains("Photo added"), "{}", taken.text());
    let header_read = bot.sim.stats().file_bytes_served;
    assert!(
        header_read <= 8 << 20,
        "the header check read {header_read} bytes"
    );
    let id = send_the_tip(&bot, &tipster).await;
    for member in [&desk, &second] {
        bot.sim
            .wait_for(member.id(), WAIT, |m| m.text().contains(&id))
            .await
            .expect("the tip's text reaches the desk");
    }
    // Both copies fail as too large, and the download stopped near the cap, not at 60 MB.
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE method = 'sendPhoto' AND state = 'failed' \
         AND last_error LIKE '%too large%'",
        2,
    )
    .await;
    let served = bot.sim.stats().file_bytes_served;
    assert!(
        served < (scrub::MAX_BYTES as u64) + (16 << 20),
        "{served} bytes served of {full}"
    );
    assert!(bot.sim.sent(desk.id()).iter().all(|m| m.photo.is_none()));
}

async fn a_broken_picture_fails_alone_and_is_decoded_once_for_the_whole_desk(b: Backend) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let (desk, second, tipster) = desk_and_draft(&bot).await;
    // A sound header over broken pixel data: taken at intake, refused when decoded.
    let png = large_png(1200, 900);
    let mut broken = png[..png.len() / 2].to_vec();
    broken.extend_from_slice(&[0u8; 64]);
    let len = broken.len() as u64;
    let taken = reply_to_file(&bot, &tipster, "IMG_8.png", broken, len).await;
    assert!(taken.text().contains("Photo added"), "{}", taken.text());
    let sound = scrub::jpeg_with_exif();
    let len = sound.len() as u64;
    let taken = reply_to_file(&bot, &tipster, "IMG_9.jpg", sound, len).await;
    assert!(taken.text().contains("Photo added"), "{}", taken.text());
    tipster.send_location(36.8, 117.9);
    bot.sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("Location added"))
        .await
        .expect("location taken");
    let fetched_at_intake = getfile_calls(&bot);
    assert_eq!(fetched_at_intake, 2, "one header check per file");
    let id = send_the_tip(&bot, &tipster).await;
    // Behind the broken picture each member still gets the sound one and the location.
    for member in [&desk, &second] {
        bot.sim
            .wait_for(member.id(), WAIT, |m| {
                m.photo.is_some() && m.text().contains(&id)
            })
            .await
            .expect("the sound picture");
        bot.sim
            .wait_for(member.id(), WAIT, |m| m.location.is_some())
            .await
            .expect("the location after it");
    }
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE state = 'failed' AND last_error LIKE '%not a readable picture%'",
        2,
    )
    .await;
    bot.wait_count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", 0)
        .await;
    // Each file was downloaded (and decoded) once for both members.
    assert_eq!(getfile_calls(&bot) - fetched_at_intake, 2);
    // A follow-up in the relay session still goes through.
    tipster.send_text("They came back tonight");
    for member in [&desk, &second] {
        bot.sim
            .wait_for(member.id(), WAIT, |m| {
                m.text().contains("came back tonight")
            })
            .await
            .expect("the follow-up");
    }
}

async fn a_message_whose_sends_never_finished_is_given_up_after_restart(b: Backend) {
    let mut bot = TestBot::spawn(b).await;
    let member = bot.sim.user(41, "Officer", Some("en"));
    bot.join(&member, "lijia", Role::DutyOfficer).await;
    bot.settle().await;
    bot.kill();
    let now = chrono::Utc::now().timestamp_millis();
    let text = |idem: &str, text: &str| Outgoing {
        idem_key: idem.into(),
        chat_id: member.id(),
        method: "sendMessage".into(),
        payload: json!({ "text": text }),
        edit_of: None,
        ephemeral: false,
        urgent: false,
    };
    bot.store
        .enqueue(
            &[
                text("fatal", "the message that kills the sender"),
                text("behind", "the message behind it"),
            ],
            now,
        )
        .await
        .expect("queued");
    let fatal = bot
        .scalar("SELECT id FROM outbox WHERE idem_key = 'fatal'")
        .await
        .expect("row");
    // Each life of the process claims it and dies before recording a result; the next
    // process frees the claim when it takes over.
    for life in 1..=MAX_CLAIMS {
        let claimed = bot
            .store
            .claim_messages(&[fatal], now, now + 30_000, MAX_CLAIMS)
            .await
            .expect("claim");
        assert_eq!(claimed.taken, [fatal], "life {life}");
        bot.store.release_leases().await.expect("released");
    }
    assert_eq!(
        bot.count("SELECT claims FROM outbox WHERE idem_key = 'fatal'")
            .await,
        MAX_CLAIMS
    );
    // Restarted, the sender gives it up instead of dying again, and goes on.
    bot.start().await;
    bot.sim
        .wait_for(member.id(), WAIT, |m| m.text() == "the message behind it")
        .await
        .expect("the queue goes on");
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE idem_key = 'fatal' AND state = 'failed' \
         AND last_error LIKE 'given up%'",
        1,
    )
    .await;
    assert!(
        bot.sim
            .sent(member.id())
            .iter()
            .all(|m| !m.text().contains("kills the sender")),
        "the given-up message was sent"
    );
    // A send that finished clears its count.
    bot.wait_count(
        "SELECT COUNT(*) FROM outbox WHERE idem_key = 'behind' AND state = 'sent' AND claims = 0",
        1,
    )
    .await;
}
