//! Proves every JSON shape the simulator produces is what teloxide 0.17 parses.

use serde_json::{json, Value};
use teloxide::types::{Me, Message, Update, UpdateKind};

use super::methods;
use super::params::Params;
use super::{SimConfig, Simulator};

fn params(v: Value) -> Params {
    Params::parse(Some("application/json"), None, v.to_string().as_bytes()).expect("params")
}

fn queued(sim: &Simulator) -> Vec<Value> {
    sim.inner.st().updates.iter().cloned().collect()
}

#[tokio::test]
async fn every_generated_shape_parses_in_teloxide() {
    let sim = Simulator::start(SimConfig {
        limits: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let ann = sim.user(42, "Ann", Some("zh-hans"));
    let g = sim.group(-1001, "Duty room");

    // Bot-side messages: text with keyboard and reply, photo, location, an edit.
    let first = ann.send_text("/start hello");
    let sent = methods::call(
        &sim.inner,
        "sendMessage",
        &params(json!({
            "chat_id": 42, "text": "<b>Hi</b> Ann", "parse_mode": "HTML",
            "reply_parameters": {"message_id": first},
            "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "ok:1"}, {"text": "Web", "url": "https://example.org"}]]}
        })),
    )
    .unwrap();
    let m: Message = serde_json::from_value(sent.clone()).unwrap();
    assert_eq!(m.text(), Some("Hi Ann"));
    assert!(m.reply_to_message().is_some());
    assert!(m.reply_markup().is_some());
    assert!(m.from.as_ref().is_some_and(|u| u.is_bot));

    let photo_id = ann.send_photo(Some("smoke"));
    let p = methods::call(
        &sim.inner,
        "sendPhoto",
        &params(json!({"chat_id": 42, "photo": photo_id, "caption": "seen"})),
    )
    .unwrap();
    let p: Message = serde_json::from_value(p).unwrap();
    assert_eq!(p.caption(), Some("seen"));
    assert!(p.photo().is_some());
    let l = methods::call(
        &sim.inner,
        "sendLocation",
        &params(json!({"chat_id": -1001, "latitude": 30.5, "longitude": 114.3})),
    )
    .unwrap();
    let l: Message = serde_json::from_value(l).unwrap();
    assert!(l.location().is_some());
    let e = methods::call(
        &sim.inner,
        "editMessageText",
        &params(json!({"chat_id": 42, "message_id": m.id.0, "text": "Bye"})),
    )
    .unwrap();
    let e: Message = serde_json::from_value(e).unwrap();
    assert_eq!(e.text(), Some("Bye"));
    assert!(e.edit_date().is_some());

    let me: Me =
        serde_json::from_value(methods::call(&sim.inner, "getMe", &params(json!({}))).unwrap())
            .unwrap();
    assert_eq!(me.user.id.0, 123456);
    let f: teloxide::types::File = serde_json::from_value(
        methods::call(&sim.inner, "getFile", &params(json!({"file_id": photo_id}))).unwrap(),
    )
    .unwrap();
    assert!(f.path.starts_with("photos/"));

    // People-side updates of every kind.
    let sent_now = sim.sent(42);
    ann.press(&sent_now[0], "ok:1");
    ann.send_album(2, Some("album"));
    ann.send_location(30.1, 114.2);
    ann.send_document("report.pdf", "application/pdf", b"%PDF-1.4".to_vec());
    ann.send_sticker();
    ann.edit_text(first, "/start again");
    let in_g = ann.in_group(&g);
    in_g.send_text("/status@lookout_sim_bot");
    sim.send_channel_post(-1009, "News", "hello channel");
    sim.send_unknown_update();
    sim.upgrade_group(-1001, -1002);

    let mut kinds = Vec::new();
    for raw in queued(&sim) {
        // From text, as on the wire: teloxide's UpdateKind reads borrowed keys, which
        // `from_value` cannot lend, so every update would come out as UpdateKind::Error.
        let u: Update =
            serde_json::from_str(&raw.to_string()).unwrap_or_else(|e| panic!("{e}: {raw}"));
        // teloxide turns an unparsable known kind into UpdateKind::Error: parse the inner
        // message directly so a wrong shape fails here with serde's own words.
        for key in ["message", "edited_message", "channel_post"] {
            if let Some(m) = raw.get(key) {
                serde_json::from_value::<Message>(m.clone())
                    .unwrap_or_else(|e| panic!("{e}: {raw}"));
            }
        }
        let kind = match &u.kind {
            UpdateKind::Message(m) => {
                if m.text().is_some_and(|t| t.starts_with('/')) {
                    assert!(
                        m.entities().is_some_and(|e| !e.is_empty()),
                        "command entity: {raw}"
                    );
                }
                if m.migrate_to_chat_id().is_some() || m.migrate_from_chat_id().is_some() {
                    "migrate"
                } else if m.photo().is_some() {
                    "photo"
                } else if m.location().is_some() {
                    "location"
                } else if m.document().is_some() {
                    "document"
                } else if m.sticker().is_some() {
                    "sticker"
                } else if m.text().is_some() {
                    "text"
                } else {
                    panic!("unrecognised message: {raw}")
                }
            }
            UpdateKind::CallbackQuery(q) => {
                assert_eq!(q.data.as_deref(), Some("ok:1"));
                assert!(q.regular_message().is_some());
                "callback"
            }
            UpdateKind::EditedMessage(_) => "edited",
            UpdateKind::ChannelPost(_) => "channel",
            UpdateKind::Error(_) => "unknown",
            other => panic!("unexpected {other:?}"),
        };
        kinds.push(kind);
    }
    for k in [
        "text", "callback", "photo", "location", "document", "sticker", "edited", "channel",
        "unknown", "migrate",
    ] {
        assert!(kinds.contains(&k), "no {k} update in {kinds:?}");
    }
    // The user's language and username reach the bot.
    let raw = queued(&sim)[0].clone();
    assert_eq!(raw["message"]["from"]["language_code"], "zh-hans");
    assert_eq!(raw["message"]["from"]["username"], "ann");
}
