//! Behaviour of the Telegram simulator over real HTTP: raw requests with reqwest, and
//! teloxide itself to prove the bot's library understands every answer.

use std::time::{Duration, Instant};

use lookout::sim::{Limits, SimConfig, Simulator};
use serde_json::{json, Value};
use teloxide::net::Download;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, GetMyCommandsSetters, GetUpdatesSetters, SendMessageSetters,
    SendPhotoSetters, SetMyCommandsSetters,
};
use teloxide::requests::Requester;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    MessageId, UpdateKind,
};
use teloxide::{ApiError, Bot, RequestError};

const T: Duration = Duration::from_secs(5);

async fn sim_with(limits: Option<Limits>) -> Simulator {
    Simulator::start(SimConfig {
        limits,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

fn bot(sim: &Simulator) -> Bot {
    let url = reqwest::Url::parse(&sim.api_url()).expect("api url");
    Bot::new(sim.token()).set_api_url(url)
}

/// POSTs JSON to a method; returns HTTP status and body.
async fn call(sim: &Simulator, method: &str, body: Value) -> (u16, Value) {
    let url = format!("{}bot{}/{}", sim.api_url(), sim.token(), method);
    let r = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

fn description(body: &Value) -> &str {
    body["description"].as_str().unwrap_or("")
}

#[tokio::test]
async fn get_updates_honours_offsets_and_wakes_long_polls() {
    let sim = sim_with(None).await;
    let ann = sim.user(42, "Ann", Some("en"));
    ann.send_text("hello");
    ann.send_text("/report fire");

    let (s, b) = call(&sim, "getUpdates", json!({})).await;
    assert_eq!(s, 200);
    let ups = b["result"].as_array().unwrap().clone();
    assert_eq!(ups.len(), 2);
    let first = ups[0]["update_id"].as_i64().unwrap();
    assert_eq!(ups[1]["update_id"].as_i64().unwrap(), first + 1);
    assert_eq!(ups[1]["message"]["entities"][0]["type"], "bot_command");

    // limit, then confirming by offset drops the earlier update.
    let (_, b) = call(&sim, "getUpdates", json!({"offset": first + 1, "limit": 1})).await;
    assert_eq!(b["result"][0]["update_id"].as_i64().unwrap(), first + 1);
    assert_eq!(sim.pending_updates(), 1);
    let (_, b) = call(&sim, "getUpdates", json!({"offset": first + 2})).await;
    assert_eq!(b["result"], json!([]));
    assert_eq!(sim.pending_updates(), 0);

    // A long poll waits, and a new update wakes it at once.
    let s2 = sim.clone();
    let poll = tokio::spawn(async move {
        let t0 = Instant::now();
        let r = call(
            &s2,
            "getUpdates",
            json!({"offset": first + 2, "timeout": 20}),
        )
        .await;
        (r, t0.elapsed())
    });
    // While it waits, a second poller is refused with 409 (that is how we know it waits).
    let mut conflict = None;
    for _ in 0..200 {
        let (s, b) = call(&sim, "getUpdates", json!({"timeout": 0})).await;
        if s == 409 {
            conflict = Some(b);
            break;
        }
        tokio::task::yield_now().await;
    }
    let conflict = conflict.expect("second poller gets 409");
    assert!(description(&conflict).starts_with("Conflict: terminated by other getUpdates request"));
    ann.send_text("wake up");
    let ((s, b), took) = poll.await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(b["result"][0]["message"]["text"], "wake up");
    assert!(took < Duration::from_secs(5), "long poll took {took:?}");

    // An empty long poll ends at its timeout with [].
    let t0 = Instant::now();
    let (_, b) = call(
        &sim,
        "getUpdates",
        json!({"offset": first + 3, "timeout": 1}),
    )
    .await;
    assert_eq!(b["result"], json!([]));
    assert!(t0.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_abandoned_long_poll_frees_the_slot() {
    let sim = sim_with(None).await;
    let s2 = sim.clone();
    let poll = tokio::spawn(async move { call(&s2, "getUpdates", json!({"timeout": 30})).await });
    let mut saw_conflict = false;
    for _ in 0..200 {
        if call(&sim, "getUpdates", json!({})).await.0 == 409 {
            saw_conflict = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(saw_conflict);
    // A bot that crashes mid-poll: its connection closes and the next bot may poll.
    poll.abort();
    let t0 = Instant::now();
    loop {
        let (s, _) = call(&sim, "getUpdates", json!({})).await;
        if s == 200 {
            break;
        }
        assert!(t0.elapsed() < T, "slot never freed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn teloxide_talks_to_the_simulator() {
    let sim = sim_with(None).await;
    let bot = bot(&sim);
    let ann = sim.user(42, "Ann", Some("zh-hans"));

    let me = bot.get_me().await.unwrap();
    assert_eq!(me.user.id.0, 123456);
    bot.delete_webhook().await.unwrap();

    ann.send_text("/start");
    let ups = bot.get_updates().await.unwrap();
    let UpdateKind::Message(m) = &ups[0].kind else {
        panic!("{:?}", ups[0])
    };
    assert_eq!(m.text(), Some("/start"));
    assert_eq!(m.chat.id, ChatId(42));
    let from = m.from.as_ref().unwrap();
    assert_eq!(from.language_code.as_deref(), Some("zh-hans"));
    assert_eq!(from.username.as_deref(), Some("ann"));

    let kb = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("Yes", "zr:1:yes"),
        InlineKeyboardButton::callback("No", "zr:1:no"),
    ]]);
    let sent = bot
        .send_message(ChatId(42), "<b>Zero report</b> due")
        .parse_mode(teloxide::types::ParseMode::Html)
        .reply_markup(kb)
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Zero report due"));
    let seen = sim
        .wait_for(42, T, |m| m.text().contains("Zero report"))
        .await
        .unwrap();
    assert_eq!(
        seen.buttons[0],
        vec![
            ("Yes".into(), "zr:1:yes".into()),
            ("No".into(), "zr:1:no".into())
        ]
    );
    assert_eq!(seen.raw_text.as_deref(), Some("<b>Zero report</b> due"));

    let qid = ann.press(&seen, "zr:1:yes");
    let ups = bot
        .get_updates()
        .offset(ups[0].id.0 as i32 + 1)
        .await
        .unwrap();
    let UpdateKind::CallbackQuery(q) = &ups[0].kind else {
        panic!("{:?}", ups[0])
    };
    assert_eq!(q.id.0, qid);
    assert_eq!(q.data.as_deref(), Some("zr:1:yes"));
    assert_eq!(q.regular_message().map(|m| m.id), Some(sent.id));
    bot.answer_callback_query(q.id.clone())
        .text("Thanks")
        .await
        .unwrap();
    assert_eq!(
        ann.callback_answers(),
        vec![(qid.clone(), Some("Thanks".to_string()))]
    );
    // A second answer to the same query is refused, as Telegram does.
    assert!(bot.answer_callback_query(q.id.clone()).await.is_err());

    bot.edit_message_text(ChatId(42), sent.id, "Zero report received")
        .await
        .unwrap();
    let edited = sim.wait_for(42, T, |m| m.edits == 1).await.unwrap();
    assert_eq!(edited.text(), "Zero report received");
    assert!(
        edited.buttons.is_empty(),
        "an edit without reply_markup drops the keyboard"
    );
    let again = bot
        .edit_message_text(ChatId(42), sent.id, "Zero report received")
        .await;
    assert!(
        matches!(again, Err(RequestError::Api(ApiError::MessageNotModified))),
        "{again:?}"
    );
    let missing = bot.edit_message_text(ChatId(42), MessageId(999), "x").await;
    assert!(
        matches!(
            missing,
            Err(RequestError::Api(ApiError::MessageToEditNotFound))
        ),
        "{missing:?}"
    );

    // sendPhoto goes multipart even with a file id; getFile and download work too.
    let photo = ann.send_photo(Some("smoke over ridge"));
    let p = bot
        .send_photo(ChatId(42), InputFile::file_id(photo.clone().into()))
        .caption("seen")
        .await
        .unwrap();
    assert!(p.photo().is_some());
    assert_eq!(
        sim.sent(42).last().and_then(|m| m.photo.clone()),
        Some(photo.clone())
    );
    let f = bot.get_file(photo.clone().into()).await.unwrap();
    let mut bytes = Vec::new();
    bot.download_file(&f.path, &mut bytes).await.unwrap();
    assert_eq!(bytes.len() as u32, f.meta.size);
    assert!(bytes.starts_with(&[0xFF, 0xD8]));

    bot.send_location(ChatId(42), 30.5, 114.3).await.unwrap();
    assert_eq!(
        sim.sent(42).last().and_then(|m| m.location),
        Some((30.5, 114.3))
    );

    bot.set_my_commands([BotCommand::new("report", "Report a hazard")])
        .scope(BotCommandScope::AllPrivateChats)
        .language_code("en")
        .await
        .unwrap();
    bot.set_my_commands([BotCommand::new("start", "Start")])
        .await
        .unwrap();
    let got = bot
        .get_my_commands()
        .scope(BotCommandScope::AllPrivateChats)
        .language_code("en")
        .await
        .unwrap();
    assert_eq!(got[0].command, "report");
    let cmds = sim.commands();
    assert!(cmds.contains(&(
        "all_private_chats/en".into(),
        vec![("report".into(), "Report a hazard".into())]
    )));
    assert!(cmds.contains(&("default".into(), vec![("start".into(), "Start".into())])));

    let stats = sim.stats();
    assert_eq!(stats.sends_accepted, 4, "{stats:?}");
    assert_eq!(stats.calls.get("sendMessage"), Some(&1));
    assert_eq!(stats.calls.get("sendPhoto"), Some(&1));
    assert!(stats.first_send.is_some() && stats.last_send >= stats.first_send);
}

#[tokio::test]
async fn wait_for_sees_future_messages_and_explains_timeouts() {
    let sim = sim_with(None).await;
    sim.user(7, "Bob", None);
    let s2 = sim.clone();
    let sender = tokio::spawn(async move {
        for text in ["one", "two", "three"] {
            call(&s2, "sendMessage", json!({"chat_id": 7, "text": text})).await;
        }
    });
    let m = sim.wait_for(7, T, |m| m.text() == "three").await.unwrap();
    assert_eq!(m.message_id, 3);
    sender.await.unwrap();
    assert_eq!(sim.wait_for_count(7, 3, T).await.unwrap().len(), 3);
    let err = sim
        .wait_for(7, Duration::from_millis(50), |m| m.text() == "four")
        .await
        .unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("chat 7 (Bob)") && err.contains("three"),
        "{err}"
    );
    assert!(sim
        .wait_for_count(7, 4, Duration::from_millis(50))
        .await
        .is_err());
    assert_eq!(sim.all_sent().len(), 3);
}

#[tokio::test]
async fn requests_are_checked_like_telegram() {
    let sim = sim_with(None).await;
    sim.user(42, "Ann", None);
    let c = reqwest::Client::new();

    let bad_token = format!("{}bot1:WRONG/getMe", sim.api_url());
    let r = c.post(bad_token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["description"],
        "Unauthorized"
    );
    let (s, b) = call(&sim, "sendTelepathy", json!({})).await;
    assert_eq!((s, description(&b)), (404, "Not Found"));

    // Method names in any case; url-encoded forms too.
    let (s, _) = call(&sim, "SendMessage", json!({"chat_id": 42, "text": "hi"})).await;
    assert_eq!(s, 200);
    let url = format!("{}bot{}/sendmessage", sim.api_url(), sim.token());
    let r = c
        .post(&url)
        .form(&[("chat_id", "42"), ("text", "form")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(sim.sent(42).last().unwrap().text(), "form");

    let cases = [
        (json!({"chat_id": 42}), "Bad Request: message text is empty"),
        (
            json!({"chat_id": 42, "text": "   "}),
            "Bad Request: message text is empty",
        ),
        (
            json!({"chat_id": 99, "text": "x"}),
            "Bad Request: chat not found",
        ),
        (
            json!({"chat_id": "@nobody", "text": "x"}),
            "Bad Request: chat not found",
        ),
        (
            json!({"chat_id": {"no": 1}, "text": "x"}),
            "Bad Request: field \"chat_id\" must be an integer",
        ),
        (
            json!({"chat_id": 42, "text": "x".repeat(4097)}),
            "Bad Request: message is too long",
        ),
        (
            json!({"chat_id": 42, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d".repeat(65)}]]}}),
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            json!({"chat_id": 42, "text": "1 < 2", "parse_mode": "HTML"}),
            "Bad Request: can't parse entities",
        ),
        (
            json!({"chat_id": 42, "text": "x", "reply_to_message_id": 77}),
            "Bad Request: message to be replied not found",
        ),
    ];
    for (body, want) in cases {
        let (s, b) = call(&sim, "sendMessage", body.clone()).await;
        assert_eq!(s, 400, "{body}");
        assert!(description(&b).starts_with(want), "{body} -> {b}");
        assert_eq!(b["error_code"], 400);
    }
    let (s, _) = call(
        &sim,
        "sendMessage",
        json!({"chat_id": 42, "text": "x".repeat(4096)}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, b) = call(&sim, "sendPhoto", json!({"chat_id": 42, "photo": "nope"})).await;
    assert_eq!(
        (s, description(&b)),
        (400, "Bad Request: wrong file identifier/HTTP URL specified")
    );
    let (s, b) = call(
        &sim,
        "editMessageText",
        json!({"chat_id": 42, "message_id": 500, "text": "x"}),
    )
    .await;
    assert_eq!(
        (s, description(&b)),
        (400, "Bad Request: message to edit not found")
    );
    let (s, b) = call(
        &sim,
        "answerCallbackQuery",
        json!({"callback_query_id": "nope"}),
    )
    .await;
    assert_eq!(
        (s, description(&b)),
        (
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        )
    );
    let (s, b) = call(&sim, "getFile", json!({"file_id": "nope"})).await;
    assert_eq!((s, description(&b)), (400, "Bad Request: invalid file_id"));

    // Garbage bodies get 400s, never a dead server.
    for (ct, body) in [
        ("application/json", &b"{not json"[..]),
        ("application/json", b"[1,2,3]"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        ("multipart/form-data", b"x"),
        ("image/png", b"\x89PNG"),
    ] {
        let r = c
            .post(&url)
            .header("content-type", ct)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{ct}");
        assert_eq!(r.json::<Value>().await.unwrap()["ok"], false);
    }
    assert_eq!(call(&sim, "getMe", json!({})).await.0, 200);
    assert!(sim.stats().client_errors >= 15);
}

#[tokio::test]
async fn private_chats_get_one_message_a_second() {
    let sim = sim_with(Some(Limits::telegram())).await;
    sim.user(42, "Ann", None);
    sim.user(43, "Bob", None);
    assert_eq!(
        call(&sim, "sendMessage", json!({"chat_id": 42, "text": "1"}))
            .await
            .0,
        200
    );
    let (s, b) = call(&sim, "sendMessage", json!({"chat_id": 42, "text": "2"})).await;
    assert_eq!(s, 429);
    assert_eq!(description(&b), "Too Many Requests: retry after 1");
    assert_eq!(b["parameters"]["retry_after"], 1);
    // Another person is not held up, and teloxide reads the answer as RetryAfter.
    assert_eq!(
        call(&sim, "sendMessage", json!({"chat_id": 43, "text": "1"}))
            .await
            .0,
        200
    );
    let r = bot(&sim).send_message(ChatId(43), "2").await;
    assert!(matches!(r, Err(RequestError::RetryAfter(_))), "{r:?}");
    let st = sim.stats();
    assert_eq!((st.sends_accepted, st.throttled), (2, 2));
    assert_eq!(sim.sent(42).len(), 1);
}

#[tokio::test]
async fn groups_and_the_whole_bot_have_their_own_limits() {
    let limits = Limits {
        global_per_sec: 5,
        private_min_interval: Duration::ZERO,
        group_per_minute: 3,
        paid_per_sec: 1000,
    };
    let sim = sim_with(Some(limits)).await;
    sim.group(-100, "Duty room");
    for i in 0..3 {
        assert_eq!(
            call(
                &sim,
                "sendMessage",
                json!({"chat_id": -100, "text": i.to_string()})
            )
            .await
            .0,
            200
        );
    }
    let (s, b) = call(&sim, "sendMessage", json!({"chat_id": -100, "text": "4"})).await;
    assert_eq!(s, 429);
    let wait = b["parameters"]["retry_after"].as_u64().unwrap();
    assert!((55..=60).contains(&wait), "{b}");
    // Edits count too.
    let (s, _) = call(
        &sim,
        "editMessageText",
        json!({"chat_id": -100, "message_id": 1, "text": "x"}),
    )
    .await;
    assert_eq!(s, 429);

    // Global: 5 a second across chats (3 used above).
    for id in 1..=2 {
        sim.user(id, "P", None);
        assert_eq!(
            call(&sim, "sendMessage", json!({"chat_id": id, "text": "x"}))
                .await
                .0,
            200
        );
    }
    sim.user(3, "P", None);
    let (s, b) = call(&sim, "sendMessage", json!({"chat_id": 3, "text": "x"})).await;
    assert_eq!((s, b["parameters"]["retry_after"].as_u64()), (429, Some(1)));
}

#[tokio::test]
async fn injected_faults() {
    let sim = sim_with(Some(Limits::telegram())).await;
    sim.user(42, "Ann", None);
    let send = |text: &'static str| {
        let sim = sim.clone();
        async move { call(&sim, "sendMessage", json!({"chat_id": 42, "text": text})).await }
    };

    sim.fail_next(2, 502);
    assert_eq!(send("a").await.0, 502);
    let (s, b) = send("b").await;
    assert_eq!((s, b["ok"].clone()), (502, json!(false)));
    sim.throttle_next(1, 7);
    let (s, b) = send("c").await;
    assert_eq!((s, b["parameters"]["retry_after"].clone()), (429, json!(7)));
    assert_eq!(send("d").await.0, 200);
    let st = sim.stats();
    assert_eq!(
        (st.server_errors, st.throttled, st.sends_accepted),
        (2, 1, 1)
    );

    // Faults come before limits: a fault is answered even when the limit would also hit.
    sim.fail_next(1, 500);
    assert_eq!(send("e").await.0, 500);

    sim.set_delay(Duration::from_millis(300));
    let t0 = Instant::now();
    assert_eq!(call(&sim, "getMe", json!({})).await.0, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    sim.set_delay(Duration::ZERO);

    let bot = bot(&sim);
    sim.user(50, "Blocker", None);
    sim.block_bot(50);
    let (s, b) = call(&sim, "sendMessage", json!({"chat_id": 50, "text": "x"})).await;
    assert_eq!(
        (s, description(&b)),
        (403, "Forbidden: bot was blocked by the user")
    );
    let r = bot.send_message(ChatId(50), "x").await;
    assert!(
        matches!(r, Err(RequestError::Api(ApiError::BotBlocked))),
        "{r:?}"
    );

    sim.user(51, "Gone", None);
    sim.deactivate_user(51);
    let r = bot.send_message(ChatId(51), "x").await;
    assert!(
        matches!(r, Err(RequestError::Api(ApiError::UserDeactivated))),
        "{r:?}"
    );

    sim.group(-200, "Old room");
    sim.delete_chat(-200);
    let r = bot.send_message(ChatId(-200), "x").await;
    assert!(
        matches!(r, Err(RequestError::Api(ApiError::ChatNotFound))),
        "{r:?}"
    );
}

#[tokio::test]
async fn upgraded_groups_answer_migrate_to_chat_id() {
    let sim = sim_with(None).await;
    let g = sim.group(-300, "Duty room");
    let ann = sim.user(42, "Ann", None);
    sim.upgrade_group(-300, -1000300);

    let (s, b) = call(&sim, "sendMessage", json!({"chat_id": -300, "text": "x"})).await;
    assert_eq!(s, 400);
    assert_eq!(
        description(&b),
        "Bad Request: group chat was upgraded to a supergroup chat"
    );
    assert_eq!(b["parameters"]["migrate_to_chat_id"], -1000300);
    let r = bot(&sim).send_message(ChatId(-300), "x").await;
    assert!(
        matches!(r, Err(RequestError::MigrateToChatId(ChatId(-1000300)))),
        "{r:?}"
    );

    let (s, b) = call(
        &sim,
        "sendMessage",
        json!({"chat_id": -1000300, "text": "x"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["result"]["chat"]["type"], "supergroup");

    // People keep talking in the new supergroup; the bot was told with service messages.
    assert_eq!(g.id(), -1000300);
    ann.in_group(&g).send_text("/status");
    let ups = bot(&sim).get_updates().await.unwrap();
    let chats: Vec<i64> = ups
        .iter()
        .filter_map(|u| match &u.kind {
            UpdateKind::Message(m) => Some(m.chat.id.0),
            _ => None,
        })
        .collect();
    assert_eq!(chats, vec![-300, -1000300, -1000300]);
}

#[tokio::test]
async fn files_can_be_fetched_and_downloaded() {
    let sim = sim_with(None).await;
    let ann = sim.user(42, "Ann", None);
    let doc = ann.send_document("map.pdf", "application/pdf", b"%PDF-1.4 fire map".to_vec());
    let album = ann.send_album(3, Some("three views"));
    assert_eq!(album.len(), 3);

    let (s, b) = call(&sim, "getFile", json!({"file_id": doc})).await;
    assert_eq!(s, 200);
    let path = b["result"]["file_path"].as_str().unwrap().to_string();
    assert_eq!(b["result"]["file_size"], 17);
    let url = format!("{}file/bot{}/{}", sim.api_url(), sim.token(), path);
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.4 fire map");
    let r = reqwest::get(format!("{}file/bot{}/nope.jpg", sim.api_url(), sim.token()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // An album is several messages sharing one media_group_id, caption on the first.
    let (_, b) = call(&sim, "getUpdates", json!({})).await;
    let ups = b["result"].as_array().unwrap();
    let photos: Vec<&Value> = ups
        .iter()
        .filter(|u| u["message"]["photo"].is_array())
        .collect();
    assert_eq!(photos.len(), 3);
    let group = &photos[0]["message"]["media_group_id"];
    assert!(photos
        .iter()
        .all(|u| &u["message"]["media_group_id"] == group));
    assert_eq!(photos[0]["message"]["caption"], "three views");
}

#[tokio::test]
async fn garbage_updates_reach_the_bot_as_teloxide_sees_them() {
    let sim = sim_with(None).await;
    let ann = sim.user(42, "Ann", None);
    let m = ann.send_text("hi");
    ann.edit_text(m, "hi again");
    ann.send_sticker();
    sim.send_channel_post(-1005, "News", "hello");
    sim.send_unknown_update();
    ann.send_raw_update(json!({"update_id": 9000, "message": {"broken": true}}));
    ann.send_raw_update(json!({"poll": 5}));
    let ups = bot(&sim).get_updates().await.unwrap();
    assert_eq!(ups.len(), 7);
    assert!(matches!(ups[1].kind, UpdateKind::EditedMessage(_)));
    assert!(matches!(&ups[2].kind, UpdateKind::Message(m) if m.sticker().is_some()));
    assert!(matches!(ups[3].kind, UpdateKind::ChannelPost(_)));
    assert!(matches!(ups[4].kind, UpdateKind::Error(_)));
    assert_eq!(ups[5].id.0, 9000);
    assert!(matches!(ups[5].kind, UpdateKind::Error(_)));
    assert_eq!(ups[6].id.0, 9001, "ids continue after a caller-chosen one");
}

#[tokio::test]
async fn events_make_a_transcript() {
    let sim = sim_with(None).await;
    let mut events = sim.events();
    let ann = sim.user(42, "Ann", None);
    ann.send_text("/report smoke");
    call(&sim, "sendMessage", json!({"chat_id": 42, "text": "Where?", "reply_markup": {"inline_keyboard": [[{"text": "Here", "callback_data": "here"}]]}})).await;
    let msg = sim.wait_for(42, T, |m| m.text() == "Where?").await.unwrap();
    let q = ann.press(&msg, "here");
    call(&sim, "answerCallbackQuery", json!({"callback_query_id": q})).await;
    let mut lines = Vec::new();
    for _ in 0..4 {
        let e = tokio::time::timeout(T, events.recv())
            .await
            .unwrap()
            .unwrap();
        lines.push(e.to_string());
    }
    assert_eq!(lines[0], "[Ann] Ann: text: /report smoke");
    assert_eq!(lines[1], "[Ann] bot: Where?\n    [Here]");
    assert_eq!(lines[2], "[Ann] Ann: pressed [Here] (here)");
    assert_eq!(lines[3], "bot -> Ann: (button acknowledged)");
}
