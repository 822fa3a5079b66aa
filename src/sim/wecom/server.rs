//! The HTTP side: WeCom's endpoints under `/cgi-bin/`, answered as WeCom answers: HTTP 200
//! with `errcode`/`errmsg` in JSON (0 is success), except media downloads, which are the
//! file itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::StreamExt;
use rand::Rng;
use serde_json::{json, Map, Value};
use tokio::sync::{broadcast, Notify};

use super::state::{Delivered, Inner, Limiter, Media, ResponseCode, State, TOKEN_LIFETIME_SECS};
use super::{Card, RobotMessage, WecomEvent, WecomMessage, WecomSimConfig};
use crate::sim::params::Params;
use crate::wecom::crypto::Crypto;

/// Images WeCom takes as temporary media: JPG or PNG, more than 5 bytes, at most 10 MB.
const IMAGE_MAX: usize = 10 * 1024 * 1024;
const TEXT_MAX: usize = 2048;
const ROBOT_MARKDOWN_MAX: usize = 4096;
/// A robot's image, before base64.
const ROBOT_IMAGE_MAX: usize = 2 << 20;
const RESPONSE_CODE_LIFETIME_MS: i64 = 72 * 3600 * 1000;

pub(crate) async fn start(cfg: WecomSimConfig, crypto: Crypto) -> anyhow::Result<Arc<Inner>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = State {
        limiter: Limiter::new(cfg.limits),
        ..State::default()
    };
    let inner = Arc::new(Inner {
        corp_id: cfg.corp_id,
        agent_id: cfg.agent_id,
        secret: cfg.secret,
        crypto,
        addr,
        clock: cfg.clock,
        answer_within: cfg.answer_within,
        state: Mutex::new(state),
        changed: Notify::new(),
        events: broadcast::channel(4096).0,
        http: reqwest::Client::new(),
        tasks: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(2 * IMAGE_MAX))
        .with_state(inner.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("WeCom simulator stopped: {e}");
        }
    });
    inner
        .tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(server);
    Ok(inner)
}

async fn handle(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let endpoint = path.strip_prefix("cgi-bin/").unwrap_or(path);
    {
        let mut st = inner.st();
        *st.stats.calls.entry(endpoint.to_string()).or_default() += 1;
    }
    let answer = match (method, endpoint) {
        (Method::GET, "gettoken") => json_ok(gettoken(&inner, &query)),
        (Method::GET, "media/get") => media_get(&inner, &query),
        (Method::GET, p) if p.starts_with("pic/") => picture(&inner, &p["pic/".len()..]),
        (
            Method::POST,
            "message/send" | "message/update_template_card" | "media/upload" | "webhook/send",
        ) => {
            if let Some(fault) = fault(&inner) {
                fault
            } else {
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                json_ok(match endpoint {
                    "message/send" => send(&inner, &query, &body),
                    "message/update_template_card" => update_card(&inner, &query, &body),
                    "media/upload" => upload(&inner, &query, content_type, &body),
                    _ => robot(&inner, &query, &body),
                })
            }
        }
        _ => (StatusCode::NOT_FOUND, "404 page not found").into_response(),
    };
    let delay = inner.st().faults.delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer
}

fn json_ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

fn err(code: i64, msg: &str) -> Value {
    json!({ "errcode": code, "errmsg": msg })
}

/// An injected failure for a rate-counted call, if one is due.
fn fault(inner: &Inner) -> Option<Response> {
    let mut st = inner.st();
    let (n, status) = st.faults.fail_next;
    if n > 0 {
        st.faults.fail_next.0 = n - 1;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        return Some((status, "simulated failure").into_response());
    }
    let (n, code) = st.faults.errcode_next;
    if n > 0 {
        st.faults.errcode_next.0 = n - 1;
        let msg = if code == -1 {
            "system busy"
        } else {
            "simulated error"
        };
        return Some(json_ok(err(code, msg)));
    }
    None
}

fn gettoken(inner: &Inner, q: &HashMap<String, String>) -> Value {
    let mut st = inner.st();
    st.stats.token_fetches += 1;
    let (Some(corpid), Some(secret)) = (q.get("corpid"), q.get("corpsecret")) else {
        return err(41002, "corpid missing");
    };
    if *corpid != inner.corp_id {
        return err(40013, "invalid corpid");
    }
    if *secret != inner.secret {
        return err(40001, "invalid credential");
    }
    let now = inner.clock.now_ms();
    // While a token lives, gettoken answers it again (and extends it), as WeCom does.
    let live = st
        .tokens
        .iter()
        .find(|(_, exp)| **exp > now)
        .map(|(t, _)| t.clone());
    let token = live.unwrap_or_else(|| {
        let mut rng = rand::thread_rng();
        (0..64)
            .map(|_| {
                char::from(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
                        [rng.gen_range(0..64)],
                )
            })
            .collect()
    });
    st.tokens
        .insert(token.clone(), now + TOKEN_LIFETIME_SECS * 1000);
    json!({
        "errcode": 0,
        "errmsg": "ok",
        "access_token": token,
        "expires_in": TOKEN_LIFETIME_SECS,
    })
}

fn check_token(inner: &Inner, st: &State, q: &HashMap<String, String>) -> Result<(), Value> {
    let Some(token) = q.get("access_token").filter(|t| !t.is_empty()) else {
        return Err(err(41001, "access_token missing"));
    };
    match st.tokens.get(token) {
        None => Err(err(40014, "invalid access_token")),
        Some(exp) if *exp <= inner.clock.now_ms() => Err(err(42001, "access_token expired")),
        Some(_) => Ok(()),
    }
}

fn json_body(body: &[u8]) -> Result<Map<String, Value>, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(err(47001, "data format error")),
    }
}

fn check_agent(inner: &Inner, b: &Map<String, Value>) -> Result<(), Value> {
    let agent = match b.get("agentid") {
        None | Some(Value::Null) => return Err(err(41011, "missing agentid")),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    match agent {
        None => Err(err(40056, "invalid agentid")),
        Some(a) if a != inner.agent_id => Err(err(
            301002,
            "not allow operate another agent with this accesstoken",
        )),
        Some(_) => Ok(()),
    }
}

fn str_at<'a>(b: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut obj = b;
    for p in parents {
        obj = obj.get(*p)?.as_object()?;
    }
    obj.get(*last)?.as_str()
}

fn send(inner: &Inner, q: &HashMap<String, String>, body: &[u8]) -> Value {
    match try_send(inner, q, body) {
        Ok(v) | Err(v) => v,
    }
}

fn try_send(inner: &Inner, q: &HashMap<String, String>, body: &[u8]) -> Result<Value, Value> {
    let mut st = inner.st();
    check_token(inner, &st, q)?;
    let b = json_body(body)?;
    check_agent(inner, &b)?;
    let touser: Vec<String> = b
        .get("touser")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split('|')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    if touser.is_empty() {
        return Err(err(40035, "invalid args: touser is empty"));
    }
    if touser.len() > 1000 {
        return Err(err(40032, "invalid userid list size"));
    }
    let msgtype = b.get("msgtype").and_then(Value::as_str).unwrap_or("");
    let mut msg = match msgtype {
        "text" | "markdown" => {
            let content = str_at(&b, &[msgtype, "content"]).unwrap_or("");
            if content.is_empty() {
                return Err(err(44004, "empty content"));
            }
            if content.len() > TEXT_MAX {
                return Err(err(45002, "content size out of limit"));
            }
            message(msgtype, content.to_string(), None, None)
        }
        "image" => {
            let media_id = str_at(&b, &["image", "media_id"]).unwrap_or("");
            if !st.media.contains_key(media_id) {
                return Err(err(40007, "invalid media_id"));
            }
            message("image", String::new(), None, Some(media_id.to_string()))
        }
        "template_card" => {
            let card = b
                .get("template_card")
                .and_then(Value::as_object)
                .ok_or_else(|| err(40058, "invalid template_card"))?;
            let (text, card) = template_card(card)?;
            message("template_card", text, Some(card), None)
        }
        _ => return Err(err(40008, "invalid message type")),
    };
    let (valid, invalid): (Vec<_>, Vec<_>) = touser
        .iter()
        .map(|u| (st.member_key(u), u.to_lowercase()))
        .partition(|(k, _)| k.is_some());
    let invaliduser = invalid
        .into_iter()
        .map(|(_, u)| u)
        .collect::<Vec<_>>()
        .join("|");
    if valid.is_empty() {
        return Err(json!({
            "errcode": 81013,
            "errmsg": "user & party & tag all invalid",
            "invaliduser": invaliduser,
        }));
    }
    let mut answer = json!({
        "errcode": 0,
        "errmsg": "ok",
        "invaliduser": invaliduser,
        "msgid": st.id("SIMMSG"),
    });
    if let Some(card) = &mut msg.card {
        // Checked last, so a refused send does not use up its task_id.
        if !st.task_ids.insert(card.task_id.clone()) {
            return Err(err(42014, "taskid has existed or empty or exceed max len"));
        }
        let code = new_response_code(&mut st, &card.task_id, inner.clock.now_ms());
        answer["response_code"] = json!(code);
    }
    let now = inner.clock.instant();
    let mut sent = Vec::new();
    for (key, _) in valid {
        let Some(key) = key else { continue };
        if !st.limiter.member(&key, now) {
            st.stats.dropped += 1;
            continue;
        }
        let at = Some(std::time::Instant::now());
        st.stats.copies_delivered += 1;
        st.stats.first_copy = st.stats.first_copy.or(at);
        st.stats.last_copy = at;
        st.delivered.push(Delivered {
            member: key.clone(),
            msg: msg.clone(),
        });
        sent.push(key);
    }
    let names: Vec<String> = sent
        .iter()
        .map(|k| st.members.get(k).map_or(k.clone(), |m| m.name.clone()))
        .collect();
    drop(st);
    for user in names {
        inner.emit(WecomEvent::AppSent {
            user,
            message: msg.clone(),
        });
    }
    inner.changed.notify_waiters();
    Ok(answer)
}

fn message(
    msgtype: &str,
    text: String,
    card: Option<Card>,
    media_id: Option<String>,
) -> WecomMessage {
    WecomMessage {
        msgtype: msgtype.to_string(),
        text,
        card,
        media_id,
        updates: 0,
    }
}

pub(crate) fn new_response_code(st: &mut State, task_id: &str, now_ms: i64) -> String {
    let code = format!("SIMRC{:016x}{}", rand::random::<u64>(), st.next_id);
    st.next_id += 1;
    st.response_codes.insert(
        code.clone(),
        ResponseCode {
            task_id: task_id.to_string(),
            used: false,
            issued_ms: now_ms,
        },
    );
    code
}

/// A `button_interaction` card as WeCom checks it: its shown text and its buttons.
fn template_card(c: &Map<String, Value>) -> Result<(String, Card), Value> {
    let card_type = c.get("card_type").and_then(Value::as_str).unwrap_or("");
    if card_type != "button_interaction" {
        // The bot only sends button cards; other types are not simulated.
        return Err(err(40058, "invalid card_type"));
    }
    let task_id = c.get("task_id").and_then(Value::as_str).unwrap_or("");
    let task_ok = !task_id.is_empty()
        && task_id.len() <= 128
        && task_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-@".contains(&b));
    if !task_ok {
        return Err(err(42014, "taskid has existed or empty or exceed max len"));
    }
    let title = str_at(c, &["main_title", "title"]).unwrap_or("");
    if title.is_empty() {
        return Err(err(40058, "invalid main_title"));
    }
    let buttons = c
        .get("button_list")
        .and_then(Value::as_array)
        .ok_or_else(|| err(40058, "invalid button_list"))?;
    if buttons.is_empty() || buttons.len() > 6 {
        return Err(err(40058, "invalid button_list size"));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for b in buttons {
        let text = b.get("text").and_then(Value::as_str).unwrap_or("");
        let key = b.get("key").and_then(Value::as_str).unwrap_or("");
        if text.is_empty() || key.is_empty() || key.len() > 1024 {
            return Err(err(40058, "invalid button"));
        }
        if out.iter().any(|(_, k)| k == key) {
            return Err(err(40058, "duplicate button key"));
        }
        out.push((text.to_string(), key.to_string()));
    }
    let text = [
        Some(title),
        str_at(c, &["main_title", "desc"]),
        c.get("sub_title_text").and_then(Value::as_str),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join("\n");
    let chosen = c
        .get("replace_text")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok((
        text,
        Card {
            task_id: task_id.to_string(),
            buttons: out,
            chosen,
        },
    ))
}

fn update_card(inner: &Inner, q: &HashMap<String, String>, body: &[u8]) -> Value {
    match try_update_card(inner, q, body) {
        Ok(v) | Err(v) => v,
    }
}

fn try_update_card(
    inner: &Inner,
    q: &HashMap<String, String>,
    body: &[u8],
) -> Result<Value, Value> {
    let mut st = inner.st();
    check_token(inner, &st, q)?;
    let b = json_body(body)?;
    check_agent(inner, &b)?;
    let code = b.get("response_code").and_then(Value::as_str).unwrap_or("");
    let now_ms = inner.clock.now_ms();
    let task_id = match st.response_codes.get(code) {
        Some(rc) if !rc.used && now_ms - rc.issued_ms < RESPONSE_CODE_LIFETIME_MS => {
            rc.task_id.clone()
        }
        _ => return Err(err(40058, "invalid response_code")),
    };
    let atall = b.get("atall").and_then(Value::as_i64) == Some(1);
    let userids: Vec<String> = b
        .get("userids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default();
    if userids.is_empty() && !atall {
        return Err(err(40058, "invalid args: no userids"));
    }
    // Either the buttons give way to a text, or a whole new card replaces the old.
    let replace_name = str_at(&b, &["button", "replace_name"]).map(str::to_string);
    let new_card = match b.get("template_card").and_then(Value::as_object) {
        Some(c) => Some(template_card(c)?),
        None => None,
    };
    if replace_name.is_none() && new_card.is_none() {
        return Err(err(40058, "invalid args: button or template_card"));
    }
    if let Some(rc) = st.response_codes.get_mut(code) {
        rc.used = true;
    }
    let invalid: Vec<String> = userids
        .iter()
        .filter(|u| !st.members.contains_key(*u))
        .cloned()
        .collect();
    let mut changed = Vec::new();
    for d in st.delivered.iter_mut() {
        let ours = d.msg.card.as_ref().is_some_and(|c| c.task_id == task_id);
        if !ours || !(atall || userids.contains(&d.member)) {
            continue;
        }
        match (&new_card, &replace_name) {
            (Some((text, card)), _) => {
                d.msg.text = text.clone();
                d.msg.card = Some(Card {
                    task_id: task_id.clone(),
                    ..card.clone()
                });
            }
            (None, Some(name)) => {
                if let Some(c) = d.msg.card.as_mut() {
                    c.chosen = Some(name.clone());
                }
            }
            (None, None) => {}
        }
        d.msg.updates += 1;
        changed.push((d.member.clone(), d.msg.clone()));
    }
    let events: Vec<WecomEvent> = changed
        .into_iter()
        .map(|(k, message)| WecomEvent::AppUpdated {
            user: st.members.get(&k).map_or(k, |m| m.name.clone()),
            message,
        })
        .collect();
    drop(st);
    for e in events {
        inner.emit(e);
    }
    inner.changed.notify_waiters();
    Ok(json!({ "errcode": 0, "errmsg": "ok", "invaliduser": invalid }))
}

fn upload(
    inner: &Inner,
    q: &HashMap<String, String>,
    content_type: Option<&str>,
    body: &[u8],
) -> Value {
    let mut st = inner.st();
    if let Err(e) = check_token(inner, &st, q) {
        return e;
    }
    if q.get("type").map(String::as_str) != Some("image") {
        // The bot uploads images only; other media types are not simulated.
        return err(40005, "invalid media type");
    }
    let Ok(mut params) = Params::parse(content_type, None, body) else {
        return err(44001, "empty media data");
    };
    let Some(bytes) = params.files.remove("media") else {
        return err(44001, "empty media data");
    };
    if bytes.len() <= 5 || bytes.len() > IMAGE_MAX {
        return err(40009, "invalid image size");
    }
    let Some(content_type) = image_type(&bytes) else {
        return err(40004, "invalid media type");
    };
    let media_id = st.id("SIMMEDIA");
    st.media.insert(
        media_id.clone(),
        Media {
            bytes,
            content_type,
        },
    );
    json!({
        "errcode": 0,
        "errmsg": "",
        "type": "image",
        "media_id": media_id,
        "created_at": inner.now_secs().to_string(),
    })
}

pub(crate) fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

fn media_get(inner: &Arc<Inner>, q: &HashMap<String, String>) -> Response {
    let st = inner.st();
    if let Err(e) = check_token(inner, &st, q) {
        return json_ok(e);
    }
    let id = q.get("media_id").map(String::as_str).unwrap_or("");
    let Some(media) = st.media.get(id) else {
        return json_ok(err(40007, "invalid media_id"));
    };
    let (bytes, content_type) = (media.bytes.clone(), media.content_type);
    drop(st);
    file(inner.clone(), bytes, content_type)
}

/// The file in pieces without a length, counted as each piece is taken, so that a client
/// that stops reading is seen to stop.
fn file(inner: Arc<Inner>, bytes: Vec<u8>, content_type: &'static str) -> Response {
    let pieces: Vec<Bytes> = bytes
        .chunks(64 * 1024)
        .map(Bytes::copy_from_slice)
        .collect();
    let counted = futures::stream::iter(pieces).map(move |piece| {
        inner.st().stats.media_bytes_served += piece.len() as u64;
        Ok::<_, std::convert::Infallible>(piece)
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(counted),
    )
        .into_response()
}

/// A member's picture at its `PicUrl`.
fn picture(inner: &Arc<Inner>, id: &str) -> Response {
    let found = inner
        .st()
        .media
        .get(id)
        .map(|m| (m.bytes.clone(), m.content_type));
    match found {
        Some((bytes, ct)) => file(inner.clone(), bytes, ct),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn robot(inner: &Inner, q: &HashMap<String, String>, body: &[u8]) -> Value {
    match try_robot(inner, q, body) {
        Ok(v) | Err(v) => v,
    }
}

fn try_robot(inner: &Inner, q: &HashMap<String, String>, body: &[u8]) -> Result<Value, Value> {
    let st = inner.st();
    let key = q.get("key").cloned().unwrap_or_default();
    if st.robots.get(&key).is_none_or(|r| r.removed) {
        return Err(err(93000, "invalid webhook url"));
    }
    let b = json_body(body)?;
    let msgtype = b.get("msgtype").and_then(Value::as_str).unwrap_or("");
    if msgtype == "image" {
        let picture = robot_image(&b)?;
        return robot_post(
            inner,
            st,
            &key,
            msgtype,
            String::new(),
            Vec::new(),
            Some(picture),
        );
    }
    let max = match msgtype {
        "text" => TEXT_MAX,
        "markdown" => ROBOT_MARKDOWN_MAX,
        _ => return Err(err(40008, "invalid message type")),
    };
    let content = str_at(&b, &[msgtype, "content"]).unwrap_or("");
    if content.is_empty() {
        return Err(err(44004, "empty content"));
    }
    if content.len() > max {
        return Err(err(45002, "content size out of limit"));
    }
    let mentioned: Vec<String> = if msgtype == "text" {
        b.get("text")
            .and_then(|t| t.get("mentioned_list"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        mentions_in_markdown(content)
    };
    robot_post(
        inner,
        st,
        &key,
        msgtype,
        content.to_string(),
        mentioned,
        None,
    )
}

/// A robot's image: the picture's bytes, checked as WeCom checks them (base64 of a JPEG or
/// PNG of at most 2 MB, and its MD5).
fn robot_image(b: &Map<String, Value>) -> Result<Media, Value> {
    use base64::Engine as _;
    use md5::Digest as _;
    let encoded = str_at(b, &["image", "base64"]).unwrap_or("");
    let md5 = str_at(b, &["image", "md5"]).unwrap_or("");
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return Err(err(40009, "invalid image: base64"));
    };
    if bytes.is_empty() || bytes.len() > ROBOT_IMAGE_MAX {
        return Err(err(40009, "invalid image size"));
    }
    let digest: String = md5::Md5::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !digest.eq_ignore_ascii_case(md5) {
        return Err(err(40009, "invalid image: md5"));
    }
    let content_type = match image_type(&bytes) {
        Some(t @ ("image/jpeg" | "image/png")) => t,
        _ => return Err(err(40009, "invalid image type")),
    };
    Ok(Media {
        bytes,
        content_type,
    })
}

/// A post the robot `key` makes, within its limit; an image is kept as media.
fn robot_post(
    inner: &Inner,
    mut st: std::sync::MutexGuard<'_, State>,
    key: &str,
    msgtype: &str,
    text: String,
    mentioned: Vec<String>,
    picture: Option<Media>,
) -> Result<Value, Value> {
    if !st.limiter.robot(key, inner.clock.instant()) {
        st.stats.dropped += 1;
        return Err(err(45009, "api freq out of limit"));
    }
    let media_id = picture.map(|m| {
        let id = st.id("ROBOTPIC");
        st.media.insert(id.clone(), m);
        id
    });
    let message = RobotMessage {
        text,
        mentioned,
        msgtype: msgtype.to_string(),
        media_id,
    };
    st.stats.robot_posts += 1;
    let robot = match st.robots.get_mut(key) {
        Some(r) => {
            r.posts.push(message.clone());
            r.n.to_string()
        }
        None => String::new(),
    };
    drop(st);
    inner.emit(WecomEvent::RobotPosted { robot, message });
    inner.changed.notify_waiters();
    Ok(err(0, "ok"))
}

/// The `<@userid>` mentions of a robot's markdown.
fn mentions_in_markdown(s: &str) -> Vec<String> {
    s.split("<@")
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(id, _)| id.to_string()))
        .filter(|id| !id.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_mentions() {
        assert_eq!(
            mentions_in_markdown("值班 <@zhang> 和 <@li.si>，请回复 <@>"),
            vec!["zhang".to_string(), "li.si".to_string()]
        );
    }
}
