//! Telegram Bot API simulator: a real HTTP server on 127.0.0.1 that the bot talks to exactly
//! as to Telegram, plus an in-process API for tests and `lookout demo` to play the people.
//!
//! Layout: `server.rs` (HTTP routing, answers), `methods.rs` (one function per Bot API
//! method), `state.rs` (chats, messages, updates, JSON shapes), `people.rs` (the simulated
//! users and groups), `limits.rs` (Telegram's rate limits), `params.rs` (request decoding),
//! `markup.rs` (HTML / MarkdownV2 checks), `observe.rs` (what tests read back).

mod limits;
mod markup;
mod methods;
mod observe;
mod params;
mod people;
mod server;
mod state;
mod webhook;
pub mod wecom;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use limits::Limits;
pub use people::{SimGroup, SimUser, SimUserInGroup};

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The bot token; the bot's user id is the part before the colon.
    pub token: String,
    /// `None` turns rate limiting off.
    pub limits: Option<Limits>,
    /// What the rate limits count time by: the system's, or a test's clock shared with the
    /// bot, so that moving it frees the chats on both sides.
    pub clock: crate::clock::Clock,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            token: "123456:TEST".into(),
            limits: Some(Limits::telegram()),
            clock: crate::clock::Clock::system(),
        }
    }
}

/// A message the bot sent, in its current state (edits applied).
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    pub message_id: i64,
    pub chat_id: i64,
    /// Text or caption as the person sees it (HTML tags / Markdown marks removed).
    pub text: Option<String>,
    /// The photo's file_id.
    pub photo: Option<String>,
    pub location: Option<(f64, f64)>,
    /// Inline keyboard rows of (label, callback_data); url buttons have empty data.
    pub buttons: Vec<Vec<(String, String)>>,
    pub edits: u32,
    pub reply_to: Option<i64>,
    /// Extra: the parse_mode the bot used, if any.
    pub parse_mode: Option<String>,
    /// Extra: text or caption exactly as the bot sent it (with markup).
    pub raw_text: Option<String>,
}

impl SentMessage {
    /// The text, or "" (handy in predicates).
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }
    /// All callback_data values, row by row.
    pub fn button_data(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(_, d)| d.clone())
            .collect()
    }
    /// The callback_data of the button with this label.
    pub fn button(&self, label: &str) -> Option<String> {
        self.buttons
            .iter()
            .flatten()
            .find(|(l, _)| l == label)
            .map(|(_, d)| d.clone())
    }
}

/// Counters for tests that check the sender's behaviour.
#[derive(Clone, Debug, Default)]
pub struct SimStats {
    /// Accepted rate-counted sends (send*/edit*).
    pub sends_accepted: u64,
    /// Of those, sends with `allow_paid_broadcast`.
    pub paid_sends: u64,
    /// 429 answers (limits and injected).
    pub throttled: u64,
    /// 5xx answers (injected).
    pub server_errors: u64,
    /// Other 4xx answers (bad requests, forbidden, not found, conflicts).
    pub client_errors: u64,
    /// Calls per method, by Telegram's spelling ("sendMessage"); unknown methods as sent.
    pub calls: std::collections::BTreeMap<String, u64>,
    pub first_send: Option<Instant>,
    pub last_send: Option<Instant>,
    /// Updates posted to the webhook and answered 2xx.
    pub webhook_delivered: u64,
    /// Webhook posts that failed (refused, non-2xx, timed out); each is retried.
    pub webhook_failed: u64,
    /// Bytes of files handed to downloading clients (a streamed file: only what was read).
    pub file_bytes_served: u64,
}

/// One line of a demo transcript.
#[derive(Clone, Debug, PartialEq)]
pub enum SimEvent {
    /// A simulated person did something (`what` is readable: "text: hi", "pressed: x").
    UserAction {
        chat_id: i64,
        chat: String,
        user: String,
        what: String,
    },
    BotSent {
        chat: String,
        message: SentMessage,
    },
    BotEdited {
        chat: String,
        message: SentMessage,
    },
    CallbackAnswered {
        user: String,
        query_id: String,
        text: Option<String>,
    },
}

impl fmt::Display for SimEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimEvent::UserAction {
                chat, user, what, ..
            } => write!(f, "[{chat}] {user}: {what}"),
            SimEvent::BotSent { chat, message } => write!(f, "[{chat}] bot: {}", describe(message)),
            SimEvent::BotEdited { chat, message } => {
                write!(
                    f,
                    "[{chat}] bot edited #{}: {}",
                    message.message_id,
                    describe(message)
                )
            }
            SimEvent::CallbackAnswered { user, text, .. } => match text {
                Some(t) => write!(f, "bot -> {user} (popup): {t}"),
                None => write!(f, "bot -> {user}: (button acknowledged)"),
            },
        }
    }
}

/// A one-line human description of a sent message.
pub fn describe(m: &SentMessage) -> String {
    let mut s = String::new();
    if let Some(p) = &m.photo {
        s.push_str(&format!("[photo {p}] "));
    }
    if let Some((lat, lon)) = m.location {
        s.push_str(&format!("[location {lat}, {lon}] "));
    }
    s.push_str(m.text());
    for row in &m.buttons {
        let labels: Vec<String> = row.iter().map(|(l, _)| format!("[{l}]")).collect();
        s.push_str(&format!("\n    {}", labels.join(" ")));
    }
    s
}

/// The simulator handle; cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<state::Inner>,
}

impl Simulator {
    /// Binds 127.0.0.1:0 and serves in a spawned task.
    pub async fn start(cfg: SimConfig) -> anyhow::Result<Simulator> {
        let inner = server::start(cfg).await?;
        Ok(Simulator { inner })
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/", self.inner.addr)
    }

    pub fn token(&self) -> String {
        self.inner.token.clone()
    }

    /// The `initData` Telegram hands a Mini App opened by `user_id`, signed as Telegram signs
    /// it (HMAC-SHA256 with a key derived from the bot token and "WebAppData"), at `auth_date`
    /// (seconds since the epoch).
    pub fn web_app_init_data(&self, user_id: i64, first_name: &str, auth_date: i64) -> String {
        use hmac::{Hmac, Mac};
        let mac = |key: &[u8], msg: &[u8]| -> Vec<u8> {
            let mut m = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        };
        let user = serde_json::json!({ "id": user_id, "first_name": first_name }).to_string();
        let mut fields = vec![
            ("auth_date", auth_date.to_string()),
            ("query_id", format!("AAE{user_id}")),
            ("user", user),
        ];
        let check: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let secret = mac(b"WebAppData", self.inner.token.as_bytes());
        let hash: String = mac(&secret, check.join("\n").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        fields.push(("hash", hash));
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish()
    }

    /// The bot's own user id (the token's numeric prefix).
    pub fn bot_id(&self) -> i64 {
        self.inner.bot.id
    }

    /// Stops serving; later requests fail to connect.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// The URL given to setWebhook, while push is on.
    pub fn webhook_url(&self) -> Option<String> {
        self.inner.st().webhook.as_ref().map(|w| w.url.clone())
    }

    /// Put a load balancer in front of the webhook: once setWebhook switched to push,
    /// updates go to these URLs in turn instead of the registered one, skipping any that
    /// refuses connections.
    pub fn balance_webhook(&self, targets: Vec<String>) {
        self.inner.st().webhook_balance = targets;
    }

    // Fault injection.

    /// The next `n` rate-counted sends are answered with this 5xx status.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.inner.st().faults.fail_next = (n, status);
    }

    /// While `Some`, every request (getMe and getUpdates too, and file downloads) is
    /// answered with this 5xx status, as a Bot API server that is up but broken.
    pub fn fail_all(&self, status: Option<u16>) {
        self.inner.st().faults.fail_all = status;
    }

    /// While true, file downloads come in pieces with no `Content-Length`, so a client learns
    /// a file's size only by reading it (as from a server that does not announce it).
    pub fn stream_files(&self, on: bool) {
        self.inner.st().faults.stream_files = on;
    }

    /// The next `n` rate-counted sends are answered 429 with this retry_after.
    pub fn throttle_next(&self, n: u32, retry_after_secs: u32) {
        self.inner.st().faults.throttle_next = (n, retry_after_secs);
    }

    /// Every answer is delayed by `d` (after the request took effect, like a slow network).
    pub fn set_delay(&self, d: Duration) {
        self.inner.st().faults.delay = d;
    }

    pub fn block_bot(&self, user_id: i64) {
        self.inner
            .set_chat_status(user_id, state::ChatStatus::BotBlocked);
    }

    pub fn delete_chat(&self, chat_id: i64) {
        self.inner
            .set_chat_status(chat_id, state::ChatStatus::Deleted);
    }

    pub fn deactivate_user(&self, user_id: i64) {
        self.inner
            .set_chat_status(user_id, state::ChatStatus::Deactivated);
    }

    /// The group becomes a supergroup: sends to `old_id` answer 400 with
    /// `migrate_to_chat_id`, and both service messages are queued as updates.
    pub fn upgrade_group(&self, old_id: i64, new_id: i64) {
        self.inner.upgrade_group(old_id, new_id);
    }

    /// Creates (or returns) a person; their private chat id is their user id.
    pub fn user(&self, id: i64, first_name: &str, language_code: Option<&str>) -> SimUser {
        self.inner.ensure_user(id, first_name, language_code);
        SimUser::new(self.inner.clone(), id)
    }

    /// Creates (or returns) a group chat; `id` should be negative.
    pub fn group(&self, id: i64, title: &str) -> SimGroup {
        self.inner.ensure_group(id, title);
        SimGroup::new(self.inner.clone(), id)
    }
}

#[cfg(test)]
mod shapes_test;
