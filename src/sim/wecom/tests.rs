//! The simulator against WeCom's rules, spoken to over HTTP as the bot speaks to it.

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::{json, Value};

use super::*;
use crate::wecom::crypto::Crypto;
use crate::wecom::message::{self, Inbound, Kind};

const T: Duration = Duration::from_secs(5);

/// A clock the test moves by hand.
fn driven() -> (crate::clock::Clock, Arc<AtomicI64>) {
    let ahead = Arc::new(AtomicI64::new(0));
    let a = ahead.clone();
    let clock = crate::clock::Clock::from_fn(move || {
        crate::clock::from_ms(1_750_000_000_000 + a.load(Ordering::SeqCst))
    });
    (clock, ahead)
}

struct App {
    sim: WecomSim,
    http: reqwest::Client,
    token: String,
}

impl App {
    async fn new(cfg: WecomSimConfig) -> App {
        let sim = WecomSim::start(cfg.clone()).await;
        let http = reqwest::Client::new();
        let token = gettoken(&http, &sim, &cfg.corp_id, &cfg.secret)
            .await
            .get("access_token")
            .and_then(Value::as_str)
            .expect("a token")
            .to_string();
        App { sim, http, token }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!(
            "{}/cgi-bin/{path}?access_token={}",
            self.sim.base_url(),
            self.token
        );
        self.http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json")
    }

    async fn send(&self, body: Value) -> Value {
        let mut body = body;
        body["agentid"] = json!(1000002);
        self.post("message/send", body).await
    }

    async fn text(&self, to: &str, text: &str) -> Value {
        self.send(json!({"touser": to, "msgtype": "text", "text": {"content": text}}))
            .await
    }
}

async fn gettoken(http: &reqwest::Client, sim: &WecomSim, corp: &str, secret: &str) -> Value {
    http.get(format!("{}/cgi-bin/gettoken", sim.base_url()))
        .query(&[("corpid", corp), ("corpsecret", secret)])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

fn errcode(v: &Value) -> i64 {
    v.get("errcode").and_then(Value::as_i64).unwrap_or(-999)
}

fn card(task_id: &str, buttons: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = buttons
        .iter()
        .map(|(t, k)| json!({"text": t, "style": 1, "key": k}))
        .collect();
    json!({
        "card_type": "button_interaction",
        "main_title": {"title": "零报告", "desc": "请确认"},
        "task_id": task_id,
        "button_list": list,
    })
}

#[tokio::test]
async fn gettoken_checks_the_corp_and_secret_and_tokens_expire_on_the_clock() {
    let (clock, ahead) = driven();
    let cfg = WecomSimConfig {
        clock,
        ..WecomSimConfig::default()
    };
    let app = App::new(cfg.clone()).await;
    let http = &app.http;
    assert_eq!(
        errcode(&gettoken(http, &app.sim, "wwother", &cfg.secret).await),
        40013
    );
    assert_eq!(
        errcode(&gettoken(http, &app.sim, &cfg.corp_id, "wrong").await),
        40001
    );
    let again = gettoken(http, &app.sim, &cfg.corp_id, &cfg.secret).await;
    assert_eq!(
        again["access_token"],
        json!(app.token),
        "a live token is given again"
    );
    assert_eq!(again["expires_in"], json!(7200));
    assert_eq!(app.sim.token_fetches(), 4);

    app.sim.user("zhang", "张三");
    assert_eq!(errcode(&app.text("zhang", "hi").await), 0);
    ahead.store(7200 * 1000, Ordering::SeqCst);
    assert_eq!(errcode(&app.text("zhang", "hi").await), 42001);
    let fresh = gettoken(http, &app.sim, &cfg.corp_id, &cfg.secret).await;
    assert_ne!(fresh["access_token"], json!(app.token));

    let forged = App {
        token: "forged".into(),
        sim: app.sim.clone(),
        http: http.clone(),
    };
    assert_eq!(errcode(&forged.text("zhang", "hi").await), 40014);
}

#[tokio::test]
async fn expire_tokens_kills_every_live_token() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    assert_eq!(errcode(&app.text("zhang", "1").await), 0);
    app.sim.expire_tokens();
    assert_eq!(errcode(&app.text("zhang", "2").await), 42001);
    assert_eq!(app.sim.messages_to("zhang").len(), 1);
}

#[tokio::test]
async fn send_answers_unknown_users_in_invaliduser_and_all_unknown_with_81013() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("Zhang", "张三");
    let v = app.text("zhang|Ghost", "hello").await;
    assert_eq!(errcode(&v), 0, "{v}");
    assert_eq!(v["invaliduser"], json!("ghost"));
    assert!(v["msgid"].as_str().is_some_and(|m| !m.is_empty()));
    let got = app.sim.messages_to("ZHANG");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].msgtype, "text");
    assert_eq!(got[0].text, "hello");

    let v = app.text("ghost", "hello").await;
    assert_eq!(errcode(&v), 81013);
    assert_eq!(v["invaliduser"], json!("ghost"));
    app.sim.remove_user("zhang");
    assert_eq!(errcode(&app.text("zhang", "x").await), 81013);
}

#[tokio::test]
async fn send_checks_agentid_msgtype_and_content() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    let url = format!(
        "{}/cgi-bin/message/send?access_token={}",
        app.sim.base_url(),
        app.token
    );
    let no_agent: Value = app
        .http
        .post(&url)
        .json(&json!({"touser": "zhang", "msgtype": "text", "text": {"content": "x"}}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(errcode(&no_agent), 41011);
    let mut other = json!({"touser": "zhang", "msgtype": "text", "text": {"content": "x"}});
    other["agentid"] = json!(7);
    assert_eq!(errcode(&app.post("message/send", other).await), 301002);
    let garbage: Value = app
        .http
        .post(&url)
        .body("{not json")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(errcode(&garbage), 47001);
    assert_eq!(errcode(&app.text("zhang", "").await), 44004);
    assert_eq!(errcode(&app.text("zhang", &"长".repeat(700)).await), 45002);
    assert_eq!(
        errcode(
            &app.send(json!({"touser": "zhang", "msgtype": "voice", "voice": {}}))
                .await
        ),
        40008
    );
    assert_eq!(
        errcode(
            &app.send(
                json!({"touser": "zhang", "msgtype": "image", "image": {"media_id": "nope"}})
            )
            .await
        ),
        40007
    );
    let md = app
        .send(
            json!({"touser": "zhang", "msgtype": "markdown", "markdown": {"content": "**注意**"}}),
        )
        .await;
    assert_eq!(errcode(&md), 0);
    assert_eq!(app.sim.messages_to("zhang")[0].text, "**注意**");
}

#[tokio::test]
async fn template_cards_are_checked_as_wecom_checks_them() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    let send_card = |c: Value| {
        app.send(json!({"touser": "zhang", "msgtype": "template_card", "template_card": c}))
    };
    let ok = send_card(card("zr-1_a@b", &[("确认", "ack:1"), ("有情况", "inc:1")])).await;
    assert_eq!(errcode(&ok), 0, "{ok}");
    assert!(ok["response_code"].as_str().is_some_and(|c| !c.is_empty()));
    let same_task = send_card(card("zr-1_a@b", &[("确认", "ack:1")])).await;
    assert_eq!(errcode(&same_task), 42014, "a task_id is used once per app");
    for bad in ["has space", "中文", "", &"x".repeat(129)] {
        assert_eq!(
            errcode(&send_card(card(bad, &[("a", "b")])).await),
            42014,
            "{bad:?}"
        );
    }
    assert_eq!(
        errcode(&send_card(card(&"y".repeat(128), &[("a", "b")])).await),
        0
    );
    let seven: Vec<(String, String)> = (0..7).map(|i| (format!("b{i}"), format!("k{i}"))).collect();
    let seven: Vec<(&str, &str)> = seven
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(errcode(&send_card(card("seven", &seven)).await), 40058);
    assert_eq!(errcode(&send_card(card("six", &seven[..6])).await), 0);
    assert_eq!(
        errcode(&send_card(card("dup", &[("a", "k"), ("b", "k")])).await),
        40058
    );
    assert_eq!(errcode(&send_card(card("none", &[])).await), 40058);

    let got = app.sim.messages_to("zhang");
    let first = &got[0];
    assert_eq!(first.msgtype, "template_card");
    assert_eq!(first.text, "零报告\n请确认");
    assert_eq!(first.button("有情况").as_deref(), Some("inc:1"));
    let c = first.card.as_ref().expect("a card");
    assert_eq!(c.task_id, "zr-1_a@b");
    assert_eq!(c.chosen, None);
}

#[tokio::test]
async fn a_response_code_updates_a_card_once() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    app.sim.user("li", "李四");
    let sent = app
        .send(json!({"touser": "zhang|li", "msgtype": "template_card",
                     "template_card": card("t1", &[("确认", "ack")])}))
        .await;
    let code = sent["response_code"].as_str().expect("code").to_string();
    let update = |code: &str| {
        app.post(
            "message/update_template_card",
            json!({"userids": ["zhang"], "agentid": 1000002, "response_code": code,
                   "button": {"replace_name": "已确认"}}),
        )
    };
    assert_eq!(errcode(&update(&code).await), 0);
    let zhang = &app.sim.messages_to("zhang")[0];
    assert_eq!(zhang.updates, 1);
    assert_eq!(
        zhang
            .card
            .as_ref()
            .and_then(|c| c.chosen.clone())
            .as_deref(),
        Some("已确认")
    );
    assert_eq!(
        app.sim.messages_to("li")[0].updates,
        0,
        "only the userids named"
    );
    assert_eq!(errcode(&update(&code).await), 40058, "a code is spent once");
    assert_eq!(errcode(&update("made-up").await), 40058);

    // A whole new card, through a code of the send that was not used yet.
    let sent = app
        .send(json!({"touser": "li", "msgtype": "template_card",
                     "template_card": card("t2", &[("确认", "ack")])}))
        .await;
    let mut new_card = card("t2", &[("升级", "esc")]);
    new_card["main_title"]["title"] = json!("已升级");
    new_card["replace_text"] = json!("已处理");
    let v = app
        .post(
            "message/update_template_card",
            json!({"userids": ["li"], "agentid": 1000002,
                   "response_code": sent["response_code"], "template_card": new_card}),
        )
        .await;
    assert_eq!(errcode(&v), 0, "{v}");
    let li = &app.sim.messages_to("li")[1];
    assert!(li.text.starts_with("已升级"), "{li:?}");
    assert_eq!(li.button("升级").as_deref(), Some("esc"));
    assert_eq!(
        li.card.as_ref().and_then(|c| c.chosen.clone()).as_deref(),
        Some("已处理")
    );
}

#[tokio::test]
async fn a_member_gets_thirty_a_minute_and_the_rest_is_dropped_silently() {
    let (clock, ahead) = driven();
    let app = App::new(WecomSimConfig {
        clock,
        ..WecomSimConfig::default()
    })
    .await;
    app.sim.user("zhang", "张三");
    app.sim.user("li", "李四");
    for i in 0..35 {
        let v = app.text("zhang", &format!("m{i}")).await;
        assert_eq!(errcode(&v), 0, "dropped sends are answered as sent");
    }
    assert_eq!(app.sim.messages_to("zhang").len(), 30);
    assert_eq!(app.sim.dropped(), 5);
    assert_eq!(errcode(&app.text("li", "x").await), 0);
    assert_eq!(
        app.sim.messages_to("li").len(),
        1,
        "the limit is per member"
    );
    ahead.store(60_000, Ordering::SeqCst);
    app.text("zhang", "later").await;
    assert_eq!(app.sim.messages_to("zhang").len(), 31);
    assert_eq!(app.sim.dropped(), 5);
    assert_eq!(app.sim.stats().copies_delivered, 32);
}

#[tokio::test]
async fn limits_off_drop_nothing() {
    let app = App::new(WecomSimConfig {
        limits: false,
        ..WecomSimConfig::default()
    })
    .await;
    app.sim.user("zhang", "张三");
    for i in 0..40 {
        app.text("zhang", &format!("m{i}")).await;
    }
    assert_eq!(app.sim.messages_to("zhang").len(), 40);
    assert_eq!(app.sim.dropped(), 0);
}

#[tokio::test]
async fn robots_take_twenty_a_minute_and_refuse_the_rest() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.add_robot("robot-key-1");
    let post = |key: &str, body: Value| {
        let url = format!("{}/cgi-bin/webhook/send?key={key}", app.sim.base_url());
        let http = app.http.clone();
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .expect("sent")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let text = json!({"msgtype": "text", "text": {"content": "红色预警", "mentioned_list": ["zhang", "li"]}});
    assert_eq!(errcode(&post("unknown", text.clone()).await), 93000);
    for _ in 0..20 {
        assert_eq!(errcode(&post("robot-key-1", text.clone()).await), 0);
    }
    assert_eq!(errcode(&post("robot-key-1", text.clone()).await), 45009);
    assert_eq!(app.sim.dropped(), 1);
    let got = app.sim.robot_messages("robot-key-1");
    assert_eq!(got.len(), 20);
    assert_eq!(got[0].text, "红色预警");
    assert_eq!(
        got[0].mentioned,
        vec!["zhang".to_string(), "li".to_string()]
    );
    assert_eq!(got[0].msgtype, "text");
}

#[tokio::test]
async fn uploaded_images_can_be_sent_and_fetched() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    let jpeg = {
        let mut v = vec![0xff, 0xd8, 0xff, 0xe0];
        v.extend(std::iter::repeat_n(7u8, 200_000));
        v
    };
    let upload = |bytes: Vec<u8>| {
        let url = format!(
            "{}/cgi-bin/media/upload?access_token={}&type=image",
            app.sim.base_url(),
            app.token
        );
        let http = app.http.clone();
        async move {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name("a.jpg")
                .mime_str("image/jpeg")
                .expect("mime");
            http.post(url)
                .multipart(reqwest::multipart::Form::new().part("media", part))
                .send()
                .await
                .expect("sent")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    assert_eq!(
        errcode(&upload(b"GIF89a-not-allowed".to_vec()).await),
        40004
    );
    let v = upload(jpeg.clone()).await;
    assert_eq!(errcode(&v), 0, "{v}");
    assert_eq!(v["type"], json!("image"));
    let media_id = v["media_id"].as_str().expect("media_id").to_string();
    let sent = app
        .send(json!({"touser": "zhang", "msgtype": "image", "image": {"media_id": media_id}}))
        .await;
    assert_eq!(errcode(&sent), 0);
    assert_eq!(
        app.sim.messages_to("zhang")[0].media_id.as_deref(),
        Some(media_id.as_str())
    );
    let got = app
        .http
        .get(format!("{}/cgi-bin/media/get", app.sim.base_url()))
        .query(&[
            ("access_token", app.token.as_str()),
            ("media_id", &media_id),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        got.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), jpeg);
    let missing: Value = app
        .http
        .get(format!("{}/cgi-bin/media/get", app.sim.base_url()))
        .query(&[("access_token", app.token.as_str()), ("media_id", "nope")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(errcode(&missing), 40007);
}

#[tokio::test]
async fn faults_are_injected_on_sends() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    app.sim.errcode_next(1, -1);
    assert_eq!(errcode(&app.text("zhang", "x").await), -1);
    app.sim.fail_next(1, 502);
    let url = format!(
        "{}/cgi-bin/message/send?access_token={}",
        app.sim.base_url(),
        app.token
    );
    let r = app
        .http
        .post(url)
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 502);
    assert_eq!(errcode(&app.text("zhang", "y").await), 0);
    assert_eq!(app.sim.messages_to("zhang").len(), 1);
}

/// A bot's `/wecom` for these tests: answers 500 to the first `fail` pushes; otherwise checks
/// the signature, decrypts and records, then sleeps past the simulator's patience while `hang`.
#[derive(Clone)]
struct Bot {
    crypto: Crypto,
    got: Arc<Mutex<Vec<Inbound>>>,
    fail: Arc<AtomicU32>,
    hang: Arc<AtomicU32>,
}

async fn bot_post(
    State(bot): State<Bot>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> (axum::http::StatusCode, String) {
    use axum::http::StatusCode;
    if bot.fail.load(Ordering::SeqCst) > 0 {
        bot.fail.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
    }
    let Ok(env) = message::envelope(&body) else {
        return (StatusCode::BAD_REQUEST, String::new());
    };
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let Ok(xml) = bot.crypto.open(
        &get("msg_signature"),
        &get("timestamp"),
        &get("nonce"),
        &env.encrypt,
    ) else {
        return (StatusCode::UNAUTHORIZED, String::new());
    };
    let Ok(m) = message::parse(&String::from_utf8_lossy(&xml)) else {
        return (StatusCode::BAD_REQUEST, String::new());
    };
    bot.got.lock().expect("lock").push(m);
    if bot.hang.load(Ordering::SeqCst) > 0 {
        bot.hang.fetch_sub(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    (StatusCode::OK, String::new())
}

async fn bot_get(
    State(bot): State<Bot>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> (axum::http::StatusCode, String) {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    match bot.crypto.open(
        &get("msg_signature"),
        &get("timestamp"),
        &get("nonce"),
        &get("echostr"),
    ) {
        Ok(plain) => (
            axum::http::StatusCode::OK,
            String::from_utf8_lossy(&plain).into(),
        ),
        Err(_) => (axum::http::StatusCode::UNAUTHORIZED, String::new()),
    }
}

async fn start_bot(cfg: &WecomSimConfig, sim: &WecomSim) -> Bot {
    let bot = Bot {
        crypto: Crypto::new(&cfg.token, &cfg.aes_key, &cfg.corp_id).expect("crypto"),
        got: Arc::default(),
        fail: Arc::default(),
        hang: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/wecom", get(bot_get).post(bot_post))
        .with_state(bot.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    sim.set_callback(format!("http://{addr}/wecom"));
    bot
}

#[tokio::test]
async fn members_push_signed_encrypted_callbacks() {
    let cfg = WecomSimConfig::default();
    let sim = WecomSim::start(cfg.clone()).await;
    let bot = start_bot(&cfg, &sim).await;
    assert!(sim.verify_callback().await, "the URL check is answered");
    let zhang = sim.user("zhang", "张三");
    let p = zhang.send_text("/start ABC").await;
    assert!(p.delivered());
    assert_eq!(p.attempts, 1);
    let pic = zhang
        .send_image(vec![
            0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 1, 2,
        ])
        .await;
    zhang.send_location(36.65, 117.12, "历城区").await;
    let press = zhang.press("t1", "ack:1").await;
    let got = bot.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].from, "zhang");
    assert_eq!(got[0].to_corp, cfg.corp_id);
    assert_eq!(got[0].agent_id, Some(cfg.agent_id));
    assert_eq!(
        got[0].kind,
        Kind::Text {
            content: "/start ABC".into()
        }
    );
    assert_eq!(got[0], p.inbound);
    let Kind::Image { media_id, pic_url } = &got[1].kind else {
        panic!("an image: {:?}", got[1]);
    };
    assert_eq!(&pic.inbound.kind, &got[1].kind);
    assert_eq!(sim.media(media_id).map(|b| b.len()), Some(10));
    let fetched = reqwest::get(pic_url)
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(fetched.len(), 10);
    assert!(matches!(got[2].kind, Kind::Location { lat, .. } if (lat - 36.65).abs() < 1e-9));
    let Kind::CardPress { response_code, .. } = &got[3].kind else {
        panic!("a press: {:?}", got[3]);
    };
    assert_eq!(got[3].msg_id, None);
    assert_eq!(got[3], press.inbound);
    assert_ne!(got[0].dedup_key(), got[1].dedup_key());
    assert!(!response_code.is_empty());
}

#[tokio::test]
async fn a_press_gives_a_code_that_updates_the_pressers_card() {
    let cfg = WecomSimConfig::default();
    let app = App::new(cfg.clone()).await;
    let _bot = start_bot(&cfg, &app.sim).await;
    let zhang = app.sim.user("zhang", "张三");
    app.send(json!({"touser": "zhang", "msgtype": "template_card",
                    "template_card": card("t9", &[("确认", "ack")])}))
        .await;
    let pressed = zhang.press("t9", "ack").await;
    let Kind::CardPress { response_code, .. } = &pressed.inbound.kind else {
        panic!("a press");
    };
    let update = json!({"userids": ["zhang"], "agentid": 1000002,
                        "response_code": response_code, "button": {"replace_name": "已确认"}});
    assert_eq!(
        errcode(
            &app.post("message/update_template_card", update.clone())
                .await
        ),
        0
    );
    assert_eq!(
        errcode(&app.post("message/update_template_card", update).await),
        40058
    );
    let m = app
        .sim
        .wait_for("zhang", |m| m.updates > 0, T)
        .await
        .expect("updated");
    assert_eq!(m.card.and_then(|c| c.chosen).as_deref(), Some("已确认"));
}

#[tokio::test]
async fn unanswered_callbacks_are_pushed_again_three_times() {
    let cfg = WecomSimConfig {
        answer_within: Duration::from_secs(1),
        ..WecomSimConfig::default()
    };
    let sim = WecomSim::start(cfg.clone()).await;
    let bot = start_bot(&cfg, &sim).await;
    let zhang = sim.user("zhang", "张三");

    bot.fail.store(2, Ordering::SeqCst);
    let p = zhang.send_text("a").await;
    assert_eq!((p.attempts, p.status), (3, Some(200)));
    bot.hang.store(1, Ordering::SeqCst);
    let p = zhang.send_text("b").await;
    assert_eq!(
        (p.attempts, p.status),
        (2, Some(200)),
        "a slow answer counts as none"
    );
    bot.fail.store(10, Ordering::SeqCst);
    let p = zhang.send_text("c").await;
    assert_eq!((p.attempts, p.status), (4, Some(500)));
    assert!(!p.delivered());
    let got = bot.got.lock().expect("lock").clone();
    // The bot took in the hung push of "b" though the simulator gave up on it: it sees the
    // same message twice, as from WeCom, and must handle it once.
    let b: Vec<&Inbound> = got
        .iter()
        .filter(|m| {
            m.kind
                == Kind::Text {
                    content: "b".into(),
                }
        })
        .collect();
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].dedup_key(), b[1].dedup_key());
    assert!(!got.iter().any(|m| m.kind
        == Kind::Text {
            content: "c".into()
        }));
    let s = sim.stats();
    assert_eq!((s.callbacks_delivered, s.callbacks_failed), (2, 7));
}

#[tokio::test]
async fn hostile_pushes_reach_the_bot_as_given() {
    let cfg = WecomSimConfig::default();
    let sim = WecomSim::start(cfg.clone()).await;
    let bot = start_bot(&cfg, &sim).await;
    let inbound = Inbound {
        to_corp: cfg.corp_id.clone(),
        from: "zhang".into(),
        create_time: 1,
        agent_id: None,
        msg_id: Some("1".into()),
        kind: Kind::Text {
            content: "x".into(),
        },
    };
    let (query, body) = sim.seal(&inbound.to_xml(), 1_700_000_000, "42");
    assert_eq!(sim.push_raw(&query, body.clone()).await, 200);
    let tampered = query.replace("msg_signature=", "msg_signature=0");
    assert_eq!(sim.push_raw(&tampered, body.clone()).await, 401);
    assert_eq!(sim.push_raw(&query, "<xml>".into()).await, 400);
    assert_eq!(bot.got.lock().expect("lock").len(), 1);
    let (status, _) = sim
        .get_raw("msg_signature=x&timestamp=1&nonce=2&echostr=AAAA")
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn wait_for_sees_what_comes_later_and_gives_up_on_time() {
    let app = App::new(WecomSimConfig::default()).await;
    app.sim.user("zhang", "张三");
    let sim = app.sim.clone();
    let waiter = tokio::spawn(async move { sim.wait_for("zhang", |m| m.text == "later", T).await });
    tokio::task::yield_now().await;
    app.text("zhang", "later").await;
    assert!(waiter.await.expect("joined").is_some());
    let none = app
        .sim
        .wait_for("zhang", |m| m.text == "never", Duration::from_millis(50))
        .await;
    assert!(none.is_none());
}

#[tokio::test]
async fn the_transcript_names_robots_not_their_keys() {
    let app = App::new(WecomSimConfig::default()).await;
    let mut events = app.sim.events();
    app.sim.user("zhang", "张三");
    app.sim.add_robot("secret-robot-key");
    app.text("zhang", "你好").await;
    app.http
        .post(format!(
            "{}/cgi-bin/webhook/send?key=secret-robot-key",
            app.sim.base_url()
        ))
        .json(&json!({"msgtype": "markdown", "markdown": {"content": "请 <@zhang> 回复"}}))
        .send()
        .await
        .expect("sent");
    let first = events.recv().await.expect("event").to_string();
    let second = events.recv().await.expect("event").to_string();
    assert_eq!(first, "[WeCom 张三] app: 你好");
    assert!(
        second.starts_with("[WeCom group robot 1] 请 <@zhang> 回复"),
        "{second}"
    );
    assert!(!second.contains("secret-robot-key"));
}
