//! One function per Bot API method (getUpdates lives in server.rs: it is the only one that
//! waits). Each validates like Telegram and answers a Telegram-shaped result or error.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::markup;
use super::params::{ApiError, Params};
use super::state::{ChatStatus, Inner, State, WebhookState};
use super::{SentMessage, SimEvent};

/// Telegram's spelling of every method the simulator knows.
pub(crate) const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "sendPhoto",
    "sendLocation",
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "getFile",
];

pub(crate) fn canonical(method: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(method))
}

const TEXT_MAX: usize = 4096;
const CAPTION_MAX: usize = 1024;
const CALLBACK_DATA_MAX: usize = 64;

/// Runs every method but getUpdates.
pub(crate) fn call(inner: &Inner, method: &'static str, p: &Params) -> Result<Value, ApiError> {
    match method {
        "getMe" => Ok(get_me(inner)),
        "deleteWebhook" => {
            let mut st = inner.st();
            if p.opt_bool("drop_pending_updates")?.unwrap_or(false) {
                st.updates.clear();
            }
            st.webhook = None;
            Ok(json!(true))
        }
        "setWebhook" => set_webhook(inner, p),
        "getWebhookInfo" => {
            let st = inner.st();
            let hook = st.webhook.clone().unwrap_or_default();
            Ok(json!({
                "url": hook.url,
                "has_custom_certificate": false,
                "pending_update_count": st.updates.len(),
                "max_connections": hook.max_connections,
            }))
        }
        "setMyCommands" => set_my_commands(inner, p),
        "getMyCommands" => {
            let key = commands_key(p)?;
            let st = inner.st();
            let list = st.commands.get(&key).cloned().unwrap_or_default();
            let list: Vec<Value> = list
                .into_iter()
                .map(|(c, d)| json!({"command": c, "description": d}))
                .collect();
            Ok(Value::Array(list))
        }
        "deleteMyCommands" => {
            let key = commands_key(p)?;
            inner.st().commands.remove(&key);
            Ok(json!(true))
        }
        "sendChatAction" => {
            let chat_id = p.chat_id()?;
            check_chat(&inner.st(), chat_id)?;
            Ok(json!(true))
        }
        "answerCallbackQuery" => answer_callback(inner, p),
        "getFile" => get_file(inner, p),
        "sendMessage"
        | "sendPhoto"
        | "sendLocation"
        | "editMessageText"
        | "editMessageReplyMarkup" => counted(inner, method, p),
        _ => Err(ApiError::new(404, "Not Found")),
    }
}

fn get_me(inner: &Inner) -> Value {
    let mut me = inner.bot_json();
    if let Some(obj) = me.as_object_mut() {
        obj.insert("can_join_groups".into(), json!(true));
        obj.insert("can_read_all_group_messages".into(), json!(false));
        obj.insert("supports_inline_queries".into(), json!(false));
        obj.insert("can_connect_to_business".into(), json!(false));
        obj.insert("has_main_web_app".into(), json!(false));
    }
    me
}

/// "default", "all_private_chats/en", "chat:-100" ... : scope, then "/lang" if given.
fn commands_key(p: &Params) -> Result<String, ApiError> {
    let scope = match p.opt_json("scope")? {
        None => "default".to_string(),
        Some(s) => {
            let kind = s
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("can't parse BotCommandScope"))?;
            let chat = s
                .get("chat_id")
                .map(|c| c.to_string().trim_matches('"').to_string());
            let user = s.get("user_id").map(Value::to_string);
            match (kind, chat, user) {
                ("chat_member", Some(c), Some(u)) => format!("chat_member:{c}:{u}"),
                ("chat" | "chat_administrators", Some(c), _) => format!("{kind}:{c}"),
                (
                    "default" | "all_private_chats" | "all_group_chats" | "all_chat_administrators",
                    _,
                    _,
                ) => kind.to_string(),
                _ => return Err(ApiError::bad_request("can't parse BotCommandScope")),
            }
        }
    };
    Ok(
        match p.opt_str("language_code")?.filter(|l| !l.is_empty()) {
            Some(lang) => format!("{scope}/{lang}"),
            None => scope,
        },
    )
}

fn set_my_commands(inner: &Inner, p: &Params) -> Result<Value, ApiError> {
    let key = commands_key(p)?;
    let list = p
        .opt_json("commands")?
        .ok_or_else(|| ApiError::bad_request("parameter \"commands\" is required"))?;
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::bad_request("can't parse commands JSON object"))?;
    let mut commands = Vec::new();
    for c in list {
        let name = c.get("command").and_then(Value::as_str).unwrap_or("");
        let desc = c.get("description").and_then(Value::as_str).unwrap_or("");
        let valid_name = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&desc.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        commands.push((name.to_string(), desc.to_string()));
    }
    if commands.len() > 100 {
        return Err(ApiError::bad_request("BOT_COMMANDS_TOO_MUCH"));
    }
    inner.st().commands.insert(key, commands);
    Ok(json!(true))
}

fn answer_callback(inner: &Inner, p: &Params) -> Result<Value, ApiError> {
    let id = p
        .opt_str("callback_query_id")?
        .ok_or_else(|| ApiError::bad_request("parameter \"callback_query_id\" is required"))?;
    let text = p.opt_str("text")?.filter(|t| !t.is_empty());
    let mut st = inner.st();
    let too_old = || {
        ApiError::bad_request(
            "query is too old and response timeout expired or query ID is invalid",
        )
    };
    let cb = st.callbacks.get_mut(&id).ok_or_else(too_old)?;
    if cb.answered {
        return Err(too_old());
    }
    cb.answered = true;
    let user_id = cb.user_id;
    st.callback_answers
        .push((user_id, id.clone(), text.clone()));
    let user = st
        .users
        .get(&user_id)
        .map(|u| u.first_name.clone())
        .unwrap_or_default();
    drop(st);
    inner.emit(SimEvent::CallbackAnswered {
        user,
        query_id: id,
        text,
    });
    Ok(json!(true))
}

fn get_file(inner: &Inner, p: &Params) -> Result<Value, ApiError> {
    let file_id = p
        .opt_str("file_id")?
        .ok_or_else(|| ApiError::bad_request("parameter \"file_id\" is required"))?;
    let st = inner.st();
    let mut meta = st
        .file_meta(&file_id)
        .ok_or_else(|| ApiError::bad_request("invalid file_id"))?;
    let path = st
        .files
        .get(&file_id)
        .map(|f| f.path.clone())
        .unwrap_or_default();
    meta.insert("file_path".into(), json!(path));
    Ok(Value::Object(meta))
}

/// Whether the bot may write to this chat at all.
fn check_chat(st: &State, chat_id: i64) -> Result<(), ApiError> {
    match st.chats.get(&chat_id).map(|c| c.status) {
        None | Some(ChatStatus::Deleted) => Err(ApiError::bad_request("chat not found")),
        Some(ChatStatus::BotBlocked) => Err(ApiError::forbidden("bot was blocked by the user")),
        Some(ChatStatus::Deactivated) => Err(ApiError::forbidden("user is deactivated")),
        Some(ChatStatus::MigratedTo(new_id)) => Err(ApiError::bad_request(
            "group chat was upgraded to a supergroup chat",
        )
        .with_parameters(json!({ "migrate_to_chat_id": new_id }))),
        Some(ChatStatus::Active) => Ok(()),
    }
}

pub(crate) fn server_error(status: u16) -> ApiError {
    let text = match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Internal Server Error",
    };
    ApiError::new(status, text)
}

pub(crate) fn too_many(retry_after: u32) -> ApiError {
    ApiError::new(429, format!("Too Many Requests: retry after {retry_after}"))
        .with_parameters(json!({ "retry_after": retry_after }))
}

/// Inline keyboard rows of (label, callback_data).
type Buttons = Vec<Vec<(String, String)>>;

/// What a send or edit will change, decided before the rate limit is consulted.
struct Draft {
    raw_text: Option<String>,
    text: Option<String>,
    parse_mode: Option<String>,
    keyboard: Option<Value>,
    buttons: Buttons,
}

fn text_draft(p: &Params, key: &str, max: usize, required: bool) -> Result<Draft, ApiError> {
    let raw = p.opt_str(key)?;
    let parse_mode = p.opt_str("parse_mode")?.filter(|m| !m.is_empty());
    let text = match &raw {
        Some(r) => Some(markup::render(r, parse_mode.as_deref())?),
        None => None,
    };
    let empty = text.as_deref().is_none_or(|t| t.trim().is_empty());
    if required && empty {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if let Some(t) = &text {
        if t.chars().count() > max {
            let what = if key == "caption" {
                "message caption is too long"
            } else {
                "message is too long"
            };
            return Err(ApiError::bad_request(what));
        }
    }
    let (keyboard, buttons) = inline_keyboard(p)?;
    Ok(Draft {
        raw_text: raw.filter(|_| !empty),
        text: text.filter(|t| !t.trim().is_empty()),
        parse_mode,
        keyboard,
        buttons,
    })
}

/// The inline keyboard, validated; other reply markups are accepted and not echoed back.
fn inline_keyboard(p: &Params) -> Result<(Option<Value>, Buttons), ApiError> {
    let Some(markup) = p.opt_json("reply_markup")? else {
        return Ok((None, Vec::new()));
    };
    let Some(rows) = markup.get("inline_keyboard") else {
        if markup.is_object() {
            return Ok((None, Vec::new()));
        }
        return Err(ApiError::bad_request(
            "can't parse reply keyboard markup JSON object",
        ));
    };
    let bad = || {
        ApiError::bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object",
        )
    };
    let rows = rows.as_array().ok_or_else(bad)?;
    let mut out = Vec::new();
    for row in rows {
        let mut labels = Vec::new();
        for b in row.as_array().ok_or_else(bad)? {
            let text = b.get("text").and_then(Value::as_str).ok_or_else(bad)?;
            let data = match b.get("callback_data") {
                Some(Value::String(d)) => {
                    if d.is_empty() || d.len() > CALLBACK_DATA_MAX {
                        return Err(ApiError::bad_request("BUTTON_DATA_INVALID"));
                    }
                    d.clone()
                }
                Some(_) => return Err(ApiError::bad_request("BUTTON_DATA_INVALID")),
                None if b.get("url").is_some() || b.get("login_url").is_some() || b.get("copy_text").is_some() => {
                    String::new()
                }
                None if b.get("switch_inline_query").is_some() || b.get("web_app").is_some() => String::new(),
                None => {
                    return Err(ApiError::bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                    ))
                }
            };
            labels.push((text.to_string(), data));
        }
        out.push(labels);
    }
    Ok((Some(json!({ "inline_keyboard": rows })), out))
}

fn reply_to(p: &Params) -> Result<Option<i64>, ApiError> {
    if let Some(id) = p.opt_i64("reply_to_message_id")? {
        return Ok(Some(id));
    }
    match p.opt_json("reply_parameters")? {
        None => Ok(None),
        Some(r) => r
            .get("message_id")
            .and_then(Value::as_i64)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("can't parse reply parameters JSON object")),
    }
}

/// sendMessage / sendPhoto / sendLocation / editMessageText / editMessageReplyMarkup: the
/// methods Telegram rate-limits. Order: injected faults, chat state, validation, limits.
fn counted(inner: &Inner, method: &'static str, p: &Params) -> Result<Value, ApiError> {
    let mut st = inner.st();
    if st.faults.fail_next.0 > 0 {
        st.faults.fail_next.0 -= 1;
        return Err(server_error(st.faults.fail_next.1));
    }
    if st.faults.throttle_next.0 > 0 {
        st.faults.throttle_next.0 -= 1;
        return Err(too_many(st.faults.throttle_next.1));
    }
    let chat_id = p.chat_id()?;
    check_chat(&st, chat_id)?;
    let now = inner.clock.instant();
    // Telegram's paid broadcast exists for sends only.
    let paid = !method.starts_with("edit") && p.opt_bool("allow_paid_broadcast")?.unwrap_or(false);
    let (result, event) = if method.starts_with("edit") {
        edit(&mut st, method, chat_id, p, now)?
    } else {
        send(inner, &mut st, method, chat_id, paid, p, now)?
    };
    st.limiter.record(chat_id, paid, now);
    if paid {
        st.stats.paid_sends += 1;
    }
    st.stats.sends_accepted += 1;
    st.stats.first_send.get_or_insert(now);
    st.stats.last_send = Some(now);
    drop(st);
    inner.sent_changed.notify_waiters();
    inner.emit(event);
    Ok(result)
}

fn limit(st: &mut State, chat_id: i64, paid: bool, now: Instant) -> Result<(), ApiError> {
    st.limiter.check(chat_id, paid, now).map_err(too_many)
}

fn send(
    inner: &Inner,
    st: &mut State,
    method: &str,
    chat_id: i64,
    paid: bool,
    p: &Params,
    now: Instant,
) -> Result<(Value, SimEvent), ApiError> {
    let mut extra = Map::new();
    let mut photo = None;
    let mut location = None;
    let draft = match method {
        "sendMessage" => text_draft(p, "text", TEXT_MAX, true)?,
        "sendPhoto" => {
            let d = text_draft(p, "caption", CAPTION_MAX, false)?;
            photo = Some(photo_file(st, p)?);
            d
        }
        _ => {
            let lat = p.opt_f64("latitude")?;
            let lon = p.opt_f64("longitude")?;
            let (Some(lat), Some(lon)) = (lat, lon) else {
                return Err(ApiError::bad_request(
                    "wrong latitude or longitude specified",
                ));
            };
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(ApiError::bad_request(
                    "wrong latitude or longitude specified",
                ));
            }
            location = Some((lat, lon));
            let (keyboard, buttons) = inline_keyboard(p)?;
            Draft {
                raw_text: None,
                text: None,
                parse_mode: None,
                keyboard,
                buttons,
            }
        }
    };
    let reply = reply_to(p)?;
    if let Some(r) = reply {
        match st.messages.get(&(chat_id, r)) {
            Some(m) => {
                extra.insert("reply_to_message".into(), m.clone());
            }
            None if p.opt_bool("allow_sending_without_reply")?.unwrap_or(false) => {}
            None => {
                let allowed = p
                    .opt_json("reply_parameters")?
                    .and_then(|r| {
                        r.get("allow_sending_without_reply")
                            .and_then(Value::as_bool)
                    })
                    .unwrap_or(false);
                if !allowed {
                    return Err(ApiError::bad_request("message to be replied not found"));
                }
            }
        }
    }
    limit(st, chat_id, paid, now)?;
    let key = if method == "sendPhoto" {
        "caption"
    } else {
        "text"
    };
    if let Some(t) = &draft.text {
        extra.insert(key.into(), json!(t));
    }
    if let Some(f) = &photo {
        extra.insert("photo".into(), st.photo_sizes(f));
    }
    if let Some((lat, lon)) = location {
        extra.insert(
            "location".into(),
            json!({"latitude": lat, "longitude": lon}),
        );
    }
    if let Some(k) = &draft.keyboard {
        extra.insert("reply_markup".into(), k.clone());
    }
    let chat = st.chat_json(chat_id).unwrap_or(Value::Null);
    let msg = st.new_message(chat_id, chat, Some(inner.bot_json()), extra);
    let message_id = msg
        .get("message_id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let sent = SentMessage {
        message_id,
        chat_id,
        text: draft.text,
        photo,
        location,
        buttons: draft.buttons,
        edits: 0,
        reply_to: reply,
        parse_mode: draft.parse_mode,
        raw_text: draft.raw_text,
    };
    st.sent_index.insert((chat_id, message_id), st.sent.len());
    st.sent.push(sent.clone());
    let event = SimEvent::BotSent {
        chat: st.chat_name(chat_id),
        message: sent,
    };
    Ok((msg, event))
}

/// The photo to send: a known file_id, an uploaded part, or a URL.
fn photo_file(st: &mut State, p: &Params) -> Result<String, ApiError> {
    let wrong = || ApiError::bad_request("wrong file identifier/HTTP URL specified");
    if let Some(bytes) = p.files.get("photo") {
        return Ok(st.new_file("photos", "jpg", bytes.clone()));
    }
    let value = p
        .opt_str("photo")?
        .ok_or_else(|| ApiError::bad_request("there is no photo in the request"))?;
    if let Some(name) = value.strip_prefix("attach://") {
        let bytes = p.files.get(name).ok_or_else(wrong)?.clone();
        return Ok(st.new_file("photos", "jpg", bytes));
    }
    if st.files.contains_key(&value) {
        return Ok(value);
    }
    if value.starts_with("http://") || value.starts_with("https://") {
        return Ok(st.new_file("photos", "jpg", value.into_bytes()));
    }
    Err(wrong())
}

fn edit(
    st: &mut State,
    method: &str,
    chat_id: i64,
    p: &Params,
    now: Instant,
) -> Result<(Value, SimEvent), ApiError> {
    if p.get("inline_message_id").is_some() {
        return Err(ApiError::bad_request("inline messages are not simulated"));
    }
    let message_id = p
        .opt_i64("message_id")?
        .ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    if !st.messages.contains_key(&(chat_id, message_id)) {
        return Err(ApiError::bad_request("message to edit not found"));
    }
    let idx = *st
        .sent_index
        .get(&(chat_id, message_id))
        .ok_or_else(|| ApiError::bad_request("message can't be edited"))?;
    let current = st
        .sent
        .get(idx)
        .cloned()
        .ok_or_else(|| ApiError::bad_request("message to edit not found"))?;
    let mut next = current.clone();
    if method == "editMessageText" {
        if current.text.is_none() || current.photo.is_some() || current.location.is_some() {
            return Err(ApiError::bad_request(
                "there is no text in the message to edit",
            ));
        }
        let d = text_draft(p, "text", TEXT_MAX, true)?;
        next.text = d.text;
        next.raw_text = d.raw_text;
        next.parse_mode = d.parse_mode;
        // As in Telegram: an edit without reply_markup removes the keyboard.
        next.buttons = d.buttons;
    } else {
        next.buttons = inline_keyboard(p)?.1;
    }
    if next.text == current.text && next.buttons == current.buttons {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    limit(st, chat_id, false, now)?;
    let (keyboard, _) = inline_keyboard(p)?;
    next.edits += 1;
    let msg = st
        .messages
        .get_mut(&(chat_id, message_id))
        .ok_or_else(|| ApiError::bad_request("message to edit not found"))?;
    if let Some(obj) = msg.as_object_mut() {
        if method == "editMessageText" {
            obj.insert("text".into(), json!(next.text));
        }
        match keyboard {
            Some(k) => obj.insert("reply_markup".into(), k),
            None => obj.remove("reply_markup"),
        };
        obj.insert("edit_date".into(), json!(super::state::now_unix()));
    }
    let msg = msg.clone();
    if let Some(slot) = st.sent.get_mut(idx) {
        *slot = next.clone();
    }
    let event = SimEvent::BotEdited {
        chat: st.chat_name(chat_id),
        message: next,
    };
    Ok((msg, event))
}

fn set_webhook(inner: &Inner, p: &Params) -> Result<Value, ApiError> {
    let url = p.opt_str("url")?.unwrap_or_default();
    let secret = p.opt_str("secret_token")?;
    if let Some(s) = &secret {
        let ok = (1..=256).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(ApiError::new(
                400,
                "Bad Request: secret token contains unallowed characters",
            ));
        }
    }
    let max_connections = p.opt_i64("max_connections")?.unwrap_or(40).clamp(1, 100) as usize;
    let mut st = inner.st();
    if url.is_empty() {
        st.webhook = None;
        return Ok(json!(true));
    }
    if p.opt_bool("drop_pending_updates")?.unwrap_or(false) {
        st.updates.clear();
    }
    st.webhook = Some(WebhookState {
        url,
        secret,
        max_connections,
    });
    drop(st);
    inner.updates_changed.notify_waiters();
    Ok(json!(true))
}
