//! Everything the simulator remembers, behind one mutex (never held across an await), and
//! the JSON shapes of users, chats and messages as Telegram sends them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinHandle;

use super::limits::RateLimiter;
use super::{SentMessage, SimEvent, SimStats};

pub(crate) struct BotInfo {
    pub id: i64,
    pub first_name: String,
    pub username: String,
}

pub(crate) struct Inner {
    pub token: String,
    pub bot: BotInfo,
    pub addr: SocketAddr,
    pub state: Mutex<State>,
    /// Time for the rate limits (`SimConfig::clock`).
    pub clock: crate::clock::Clock,
    /// Woken when an update is queued (long polls wait on it).
    pub updates_changed: Notify,
    /// Woken when updates are confirmed by the bot.
    pub updates_confirmed: Notify,
    /// Woken on every bot send or edit (`wait_for` waits on it).
    pub sent_changed: Notify,
    pub events: broadcast::Sender<SimEvent>,
    /// A getUpdates is waiting; a second one gets 409.
    pub poller_busy: AtomicBool,
    /// The HTTP server and the webhook pusher.
    pub tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Where updates are pushed once `setWebhook` was called.
#[derive(Clone, Debug, Default)]
pub(crate) struct WebhookState {
    pub url: String,
    pub secret: Option<String>,
    pub max_connections: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct UserInfo {
    pub id: i64,
    pub first_name: String,
    pub language_code: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChatKind {
    Private,
    Group,
    Supergroup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChatStatus {
    Active,
    BotBlocked,
    Deleted,
    Deactivated,
    MigratedTo(i64),
}

#[derive(Clone, Debug)]
pub(crate) struct ChatInfo {
    pub kind: ChatKind,
    /// first_name for private chats, title for groups.
    pub name: String,
    pub status: ChatStatus,
    pub last_message_id: i64,
}

pub(crate) struct StoredFile {
    pub unique_id: String,
    pub path: String,
    pub bytes: Vec<u8>,
}

pub(crate) struct Callback {
    pub user_id: i64,
    pub answered: bool,
}

#[derive(Default)]
pub(crate) struct Faults {
    pub fail_next: (u32, u16),
    /// Every request (any method, downloads) is answered with this 5xx while set.
    pub fail_all: Option<u16>,
    pub throttle_next: (u32, u32),
    pub delay: Duration,
    /// File downloads are streamed in pieces without announcing their length.
    pub stream_files: bool,
}

#[derive(Default)]
pub(crate) struct State {
    pub next_update_id: i64,
    pub updates: VecDeque<Value>,
    pub users: HashMap<i64, UserInfo>,
    pub chats: HashMap<i64, ChatInfo>,
    /// Every message (people's and the bot's) as JSON, by (chat, message id).
    pub messages: HashMap<(i64, i64), Value>,
    /// The bot's messages in send order, and where each sits in that list.
    pub sent: Vec<SentMessage>,
    pub sent_index: HashMap<(i64, i64), usize>,
    pub files: HashMap<String, StoredFile>,
    pub next_file: u64,
    pub callbacks: HashMap<String, Callback>,
    /// (user id, query id, text) in answer order.
    pub callback_answers: Vec<(i64, String, Option<String>)>,
    pub next_callback: u64,
    pub next_media_group: u64,
    pub commands: BTreeMap<String, Vec<(String, String)>>,
    pub faults: Faults,
    pub webhook: Option<WebhookState>,
    /// Set by tests: a load balancer in front of several replicas (see `balance_webhook`).
    pub webhook_balance: Vec<String>,
    pub limiter: RateLimiter,
    pub stats: SimStats,
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Inner {
    /// The state; a panic elsewhere while holding the lock must not wedge every test after it.
    pub fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn emit(&self, e: SimEvent) {
        // No receivers is fine: nobody is watching the transcript.
        let _ = self.events.send(e);
    }

    pub fn shutdown(&self) {
        for h in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            h.abort();
        }
    }

    pub fn bot_json(&self) -> Value {
        json!({
            "id": self.bot.id,
            "is_bot": true,
            "first_name": self.bot.first_name,
            "username": self.bot.username,
        })
    }

    pub fn ensure_user(&self, id: i64, first_name: &str, language_code: Option<&str>) {
        let mut st = self.st();
        st.users.entry(id).or_insert_with(|| UserInfo {
            id,
            first_name: first_name.to_string(),
            language_code: language_code.map(str::to_string),
        });
        st.chats.entry(id).or_insert_with(|| ChatInfo {
            kind: ChatKind::Private,
            name: first_name.to_string(),
            status: ChatStatus::Active,
            last_message_id: 0,
        });
    }

    pub fn ensure_group(&self, id: i64, title: &str) {
        self.st().chats.entry(id).or_insert_with(|| ChatInfo {
            kind: ChatKind::Group,
            name: title.to_string(),
            status: ChatStatus::Active,
            last_message_id: 0,
        });
    }

    pub fn set_chat_status(&self, chat_id: i64, status: ChatStatus) {
        let mut st = self.st();
        let chat = st.chats.entry(chat_id).or_insert_with(|| ChatInfo {
            kind: if chat_id > 0 {
                ChatKind::Private
            } else {
                ChatKind::Group
            },
            name: chat_id.to_string(),
            status: ChatStatus::Active,
            last_message_id: 0,
        });
        chat.status = status;
    }

    pub fn upgrade_group(&self, old_id: i64, new_id: i64) {
        let mut st = self.st();
        let title = st
            .chats
            .get(&old_id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| old_id.to_string());
        st.chats.insert(
            new_id,
            ChatInfo {
                kind: ChatKind::Supergroup,
                name: title.clone(),
                status: ChatStatus::Active,
                last_message_id: 0,
            },
        );
        let Some(old) = st.chats.get(&old_id).cloned() else {
            return;
        };
        if let Some(c) = st.chats.get_mut(&old_id) {
            c.status = ChatStatus::MigratedTo(new_id);
        }
        // Telegram tells the bot with a service message in each chat.
        let mut extra = Map::new();
        extra.insert("migrate_to_chat_id".into(), json!(new_id));
        let old_chat = chat_json(old_id, &old);
        let msg = st.new_message(old_id, old_chat, Some(self.bot_json()), extra);
        st.push_update(json!({ "message": msg }));
        let mut extra = Map::new();
        extra.insert("migrate_from_chat_id".into(), json!(old_id));
        let new_chat = json!({"id": new_id, "type": "supergroup", "title": title});
        extra.insert("sender_chat".into(), new_chat.clone());
        let from = json!({"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"});
        let msg = st.new_message(new_id, new_chat, Some(from), extra);
        st.push_update(json!({ "message": msg }));
        drop(st);
        self.updates_changed.notify_waiters();
    }

    /// Where messages for `chat_id` go now, following group upgrades.
    pub fn current_chat_id(&self, chat_id: i64) -> i64 {
        let st = self.st();
        let mut id = chat_id;
        // Bounded: a cycle of upgrades would be a test bug, not a reason to hang.
        for _ in 0..8 {
            match st.chats.get(&id).map(|c| c.status) {
                Some(ChatStatus::MigratedTo(n)) => id = n,
                _ => break,
            }
        }
        id
    }
}

pub(crate) fn user_json(u: &UserInfo) -> Value {
    let mut v = json!({
        "id": u.id,
        "is_bot": false,
        "first_name": u.first_name,
        "username": username(&u.first_name),
    });
    if let (Some(lc), Some(obj)) = (&u.language_code, v.as_object_mut()) {
        obj.insert("language_code".into(), json!(lc));
    }
    v
}

/// The first name, lowercased, with anything a username cannot hold made '_'.
fn username(first_name: &str) -> String {
    first_name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

pub(crate) fn chat_json(id: i64, c: &ChatInfo) -> Value {
    match c.kind {
        ChatKind::Private => json!({
            "id": id, "type": "private", "first_name": c.name, "username": username(&c.name),
        }),
        ChatKind::Group => json!({"id": id, "type": "group", "title": c.name}),
        ChatKind::Supergroup => json!({"id": id, "type": "supergroup", "title": c.name}),
    }
}

impl State {
    /// Queues an update, assigning `update_id` unless the caller set one.
    pub fn push_update(&mut self, mut v: Value) -> i64 {
        let given = v.get("update_id").and_then(Value::as_i64);
        let id = match given {
            Some(id) => id,
            None => self.next_update_id,
        };
        self.next_update_id = self.next_update_id.max(id + 1);
        if given.is_none() {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("update_id".into(), json!(id));
            }
        }
        self.updates.push_back(v);
        id
    }

    pub fn chat_json(&self, chat_id: i64) -> Option<Value> {
        self.chats.get(&chat_id).map(|c| chat_json(chat_id, c))
    }

    pub fn chat_name(&self, chat_id: i64) -> String {
        self.chats
            .get(&chat_id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| chat_id.to_string())
    }

    /// Builds and stores a message in `chat_id` with the next id of that chat.
    pub fn new_message(
        &mut self,
        chat_id: i64,
        chat: Value,
        from: Option<Value>,
        extra: Map<String, Value>,
    ) -> Value {
        let id = match self.chats.get_mut(&chat_id) {
            Some(c) => {
                c.last_message_id += 1;
                c.last_message_id
            }
            None => 1,
        };
        let mut m = Map::new();
        m.insert("message_id".into(), json!(id));
        m.insert("date".into(), json!(now_unix()));
        m.insert("chat".into(), chat);
        if let Some(f) = from {
            m.insert("from".into(), f);
        }
        m.extend(extra);
        let v = Value::Object(m);
        self.messages.insert((chat_id, id), v.clone());
        v
    }

    /// Stores bytes as a file and returns its file_id.
    pub fn new_file(&mut self, folder: &str, ext: &str, bytes: Vec<u8>) -> String {
        self.next_file += 1;
        let n = self.next_file;
        let file_id = format!("SIMFILE-{n:06}-{folder}");
        self.files.insert(
            file_id.clone(),
            StoredFile {
                unique_id: format!("SIMU{n:06}"),
                path: format!("{folder}/file_{n}.{ext}"),
                bytes,
            },
        );
        file_id
    }

    /// `{file_id, file_unique_id, file_size}` for a stored file.
    pub fn file_meta(&self, file_id: &str) -> Option<Map<String, Value>> {
        let f = self.files.get(file_id)?;
        let mut m = Map::new();
        m.insert("file_id".into(), json!(file_id));
        m.insert("file_unique_id".into(), json!(f.unique_id));
        m.insert("file_size".into(), json!(f.bytes.len()));
        Some(m)
    }

    /// A PhotoSize array for a stored photo (one size: the simulator keeps one copy).
    pub fn photo_sizes(&self, file_id: &str) -> Value {
        let mut meta = self.file_meta(file_id).unwrap_or_default();
        meta.insert("width".into(), json!(1280));
        meta.insert("height".into(), json!(960));
        json!([Value::Object(meta)])
    }
}
