//! The simulated people: what they do becomes updates in the bot's queue, shaped exactly as
//! Telegram shapes them.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::state::{user_json, Callback, Inner};
use super::{SentMessage, SimEvent, Simulator};

/// A person with a private chat with the bot (chat id == user id).
#[derive(Clone)]
pub struct SimUser {
    inner: Arc<Inner>,
    id: i64,
}

/// A group chat; its id follows `upgrade_group`.
#[derive(Clone)]
pub struct SimGroup {
    inner: Arc<Inner>,
    id: i64,
}

/// A person acting inside a group.
#[derive(Clone)]
pub struct SimUserInGroup {
    user: SimUser,
    group: SimGroup,
}

impl SimGroup {
    pub(crate) fn new(inner: Arc<Inner>, id: i64) -> SimGroup {
        SimGroup { inner, id }
    }

    /// The current chat id (the supergroup's after an upgrade).
    pub fn id(&self) -> i64 {
        self.inner.current_chat_id(self.id)
    }

    pub fn title(&self) -> String {
        self.inner.st().chat_name(self.id)
    }
}

impl SimUser {
    pub(crate) fn new(inner: Arc<Inner>, id: i64) -> SimUser {
        SimUser { inner, id }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn name(&self) -> String {
        self.inner
            .st()
            .users
            .get(&self.id)
            .map(|u| u.first_name.clone())
            .unwrap_or_default()
    }

    /// Sends text in the private chat; "/cmd args" gets a bot_command entity.
    pub fn send_text(&self, text: &str) -> i64 {
        self.text_in(self.id, text)
    }

    /// Sends a photo; returns the file_id of its largest size (bytes are downloadable).
    pub fn send_photo(&self, caption: Option<&str>) -> String {
        self.photo_in(self.id, caption, None)
    }

    /// `n` photo messages sharing one media_group_id, caption on the first (as clients do).
    pub fn send_album(&self, n: usize, caption: Option<&str>) -> Vec<String> {
        let group = {
            let mut st = self.inner.st();
            st.next_media_group += 1;
            format!("SIMALBUM{}", st.next_media_group)
        };
        (0..n)
            .map(|i| self.photo_in(self.id, if i == 0 { caption } else { None }, Some(&group)))
            .collect()
    }

    pub fn send_location(&self, lat: f64, lon: f64) {
        self.location_in(self.id, lat, lon);
    }

    /// Sends a file; returns its file_id.
    pub fn send_document(&self, file_name: &str, mime: &str, bytes: Vec<u8>) -> String {
        let size = bytes.len() as u64;
        self.send_document_declaring(file_name, mime, bytes, size)
    }

    /// Sends a file whose message declares `file_size` (true or not); returns its file_id.
    pub fn send_document_declaring(
        &self,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
        file_size: u64,
    ) -> String {
        let ext = file_name.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin");
        let file_id = self.inner.st().new_file("documents", ext, bytes);
        let mut doc = self.inner.st().file_meta(&file_id).unwrap_or_default();
        doc.insert("file_size".into(), json!(file_size));
        doc.insert("file_name".into(), json!(file_name));
        doc.insert("mime_type".into(), json!(mime));
        let mut extra = Map::new();
        extra.insert("document".into(), Value::Object(doc));
        self.message_in(self.id, extra, format!("document: {file_name} ({mime})"));
        file_id
    }

    /// Sends a sticker (something most bots should politely ignore).
    pub fn send_sticker(&self) -> i64 {
        let file_id = self
            .inner
            .st()
            .new_file("stickers", "webp", b"RIFF....WEBPVP8 ".to_vec());
        let mut s = self.inner.st().file_meta(&file_id).unwrap_or_default();
        for (k, v) in [
            ("width", json!(512)),
            ("height", json!(512)),
            ("type", json!("regular")),
            ("is_animated", json!(false)),
            ("is_video", json!(false)),
            ("emoji", json!("🔥")),
        ] {
            s.insert(k.into(), v);
        }
        let mut extra = Map::new();
        extra.insert("sticker".into(), Value::Object(s));
        id_of(&self.message_in(self.id, extra, "sticker 🔥".into()))
    }

    /// The person edits one of their own messages: an `edited_message` update.
    pub fn edit_text(&self, message_id: i64, new_text: &str) {
        let mut st = self.inner.st();
        let Some(msg) = st.messages.get_mut(&(self.id, message_id)) else {
            return;
        };
        if let Some(obj) = msg.as_object_mut() {
            obj.insert("text".into(), json!(new_text));
            obj.insert("edit_date".into(), json!(super::state::now_unix()));
        }
        let msg = msg.clone();
        st.push_update(json!({ "edited_message": msg }));
        let chat = st.chat_name(self.id);
        drop(st);
        self.queued(self.id, chat, format!("edited #{message_id}: {new_text}"));
    }

    /// Presses an inline button of a bot message; returns the callback query id.
    /// Any data may be pressed: a stale client can hold buttons the bot already replaced.
    pub fn press(&self, msg: &SentMessage, callback_data: &str) -> String {
        let mut st = self.inner.st();
        st.next_callback += 1;
        let id = format!("{}{:08}", self.id.unsigned_abs(), st.next_callback);
        let message = st
            .messages
            .get(&(msg.chat_id, msg.message_id))
            .cloned()
            .unwrap_or_else(|| {
                // Telegram's shape for a message the bot can no longer see.
                json!({"chat": st.chat_json(msg.chat_id), "message_id": msg.message_id, "date": 0})
            });
        let from = st.users.get(&self.id).map(user_json).unwrap_or(Value::Null);
        st.push_update(json!({
            "callback_query": {
                "id": id,
                "from": from,
                "message": message,
                "chat_instance": format!("{}", msg.chat_id),
                "data": callback_data,
            }
        }));
        st.callbacks.insert(
            id.clone(),
            Callback {
                user_id: self.id,
                answered: false,
            },
        );
        let label = msg
            .buttons
            .iter()
            .flatten()
            .find(|(_, d)| d == callback_data)
            .map(|(l, _)| l.clone())
            .unwrap_or_else(|| "?".into());
        let chat = st.chat_name(msg.chat_id);
        drop(st);
        self.queued(
            msg.chat_id,
            chat,
            format!("pressed [{label}] ({callback_data})"),
        );
        id
    }

    pub fn in_group(&self, g: &SimGroup) -> SimUserInGroup {
        SimUserInGroup {
            user: self.clone(),
            group: g.clone(),
        }
    }

    /// Queues arbitrary JSON as an update (update_id assigned when missing).
    pub fn send_raw_update(&self, update: Value) {
        let mut st = self.inner.st();
        st.push_update(update);
        let chat = st.chat_name(self.id);
        drop(st);
        self.queued(self.id, chat, "raw update".into());
    }

    /// How the bot answered this person's button presses: (query id, popup text).
    pub fn callback_answers(&self) -> Vec<(String, Option<String>)> {
        let st = self.inner.st();
        st.callback_answers
            .iter()
            .filter(|(u, _, _)| *u == self.id)
            .map(|(_, q, t)| (q.clone(), t.clone()))
            .collect()
    }

    fn text_in(&self, chat_id: i64, text: &str) -> i64 {
        let mut extra = Map::new();
        extra.insert("text".into(), json!(text));
        if text.starts_with('/') {
            let cmd = text.split_whitespace().next().unwrap_or(text);
            let len = cmd.encode_utf16().count();
            extra.insert(
                "entities".into(),
                json!([{"type": "bot_command", "offset": 0, "length": len}]),
            );
        }
        id_of(&self.message_in(chat_id, extra, format!("text: {text}")))
    }

    fn photo_in(&self, chat_id: i64, caption: Option<&str>, media_group: Option<&str>) -> String {
        let mut st = self.inner.st();
        let n = st.next_file + 1;
        let small = st.new_file("photos", "jpg", fake_jpeg(n, 90));
        let big = st.new_file("photos", "jpg", fake_jpeg(n, 1280));
        let mut sizes = Vec::new();
        for (id, w, h) in [(&small, 90, 67), (&big, 1280, 960)] {
            let mut m = st.file_meta(id).unwrap_or_default();
            m.insert("width".into(), json!(w));
            m.insert("height".into(), json!(h));
            sizes.push(Value::Object(m));
        }
        drop(st);
        let mut extra = Map::new();
        extra.insert("photo".into(), Value::Array(sizes));
        if let Some(c) = caption {
            extra.insert("caption".into(), json!(c));
        }
        if let Some(g) = media_group {
            extra.insert("media_group_id".into(), json!(g));
        }
        let what = match caption {
            Some(c) => format!("photo {big}: {c}"),
            None => format!("photo {big}"),
        };
        self.message_in(chat_id, extra, what);
        big
    }

    fn location_in(&self, chat_id: i64, lat: f64, lon: f64) {
        let mut extra = Map::new();
        extra.insert(
            "location".into(),
            json!({"latitude": lat, "longitude": lon}),
        );
        self.message_in(chat_id, extra, format!("location {lat}, {lon}"));
    }

    /// Builds a message from this person in `chat_id`, queues it, tells the transcript.
    fn message_in(&self, chat_id: i64, extra: Map<String, Value>, what: String) -> Value {
        let mut st = self.inner.st();
        let from = st.users.get(&self.id).map(user_json);
        let chat = st.chat_json(chat_id).unwrap_or(Value::Null);
        let msg = st.new_message(chat_id, chat, from, extra);
        st.push_update(json!({ "message": msg }));
        let chat = st.chat_name(chat_id);
        drop(st);
        self.queued(chat_id, chat, what);
        msg
    }

    fn queued(&self, chat_id: i64, chat: String, what: String) {
        self.inner.updates_changed.notify_waiters();
        self.inner.emit(SimEvent::UserAction {
            chat_id,
            chat,
            user: self.name(),
            what,
        });
    }
}

impl SimUserInGroup {
    pub fn user(&self) -> &SimUser {
        &self.user
    }

    pub fn send_text(&self, text: &str) -> i64 {
        self.user.text_in(self.group.id(), text)
    }

    pub fn send_photo(&self, caption: Option<&str>) -> String {
        self.user.photo_in(self.group.id(), caption, None)
    }

    pub fn send_location(&self, lat: f64, lon: f64) {
        self.user.location_in(self.group.id(), lat, lon);
    }

    pub fn press(&self, msg: &SentMessage, callback_data: &str) -> String {
        self.user.press(msg, callback_data)
    }
}

impl Simulator {
    /// A post in a channel the bot administers: a `channel_post` update.
    pub fn send_channel_post(&self, channel_id: i64, title: &str, text: &str) {
        let mut st = self.inner.st();
        let chat = json!({"id": channel_id, "type": "channel", "title": title});
        let mut extra = Map::new();
        extra.insert("text".into(), json!(text));
        extra.insert("sender_chat".into(), chat.clone());
        let msg = st.new_message(channel_id, chat, None, extra);
        st.push_update(json!({ "channel_post": msg }));
        drop(st);
        self.inner.updates_changed.notify_waiters();
        self.inner.emit(SimEvent::UserAction {
            chat_id: channel_id,
            chat: title.into(),
            user: title.into(),
            what: format!("channel post: {text}"),
        });
    }

    /// An update of a kind this Bot API version does not know.
    pub fn send_unknown_update(&self) {
        self.inner
            .st()
            .push_update(json!({ "some_future_kind": {} }));
        self.inner.updates_changed.notify_waiters();
    }
}

fn id_of(msg: &Value) -> i64 {
    msg.get("message_id")
        .and_then(Value::as_i64)
        .unwrap_or_default()
}

/// Bytes that start and end like a JPEG and differ per photo.
fn fake_jpeg(n: u64, size: u32) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend_from_slice(format!("SIMPHOTO {n} {size}").as_bytes());
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}
