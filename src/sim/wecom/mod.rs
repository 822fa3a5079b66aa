//! WeCom (企业微信) simulator: a real HTTP server on 127.0.0.1 speaking the endpoints the bot
//! uses, with WeCom's signatures, encryption, errcodes and limits, plus an in-process API for
//! tests and `lookout demo` to play the members of the corp.
//!
//! Layout: `server.rs` (the endpoints: gettoken, message/send, update_template_card,
//! media/upload, media/get, webhook/send), `people.rs` (members pushing encrypted callbacks
//! to the bot's `/wecom`, retried as WeCom retries), `state.rs` (what it remembers, and the
//! limits). What WeCom documents and this enforces:
//! - gettoken checks corpid and secret; tokens live 7,200 s on the simulator's clock, a
//!   repeated gettoken returns the live one; a dead token is answered 42001, an unknown 40014.
//! - message/send: `touser` "a|b"; text / markdown / image / template_card
//!   (`button_interaction`: task_id unique per app, ≤ 128 bytes of `A-Za-z0-9_-@` → else
//!   42014; 1–6 buttons with unique keys); unknown UserIDs are answered in `invaliduser`, all
//!   unknown is 81013. Per member, 30 messages a minute and 1,000 an hour: the excess is
//!   answered errcode 0 and dropped (counted in `dropped()`).
//! - update_template_card consumes a `response_code` (from a card send or a press) once,
//!   within 72 hours. WeCom does not document the errcode for a spent code; this answers
//!   40058 (invalid parameter).
//! - webhook/send (group robots): text (`mentioned_list`), markdown and image (base64 of a
//!   JPEG or PNG of at most 2 MB, with its MD5); 20 a minute per robot, the excess answered
//!   45009 (and counted in `dropped()`); an unknown key is 93000.

mod people;
mod server;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

pub use people::{Pushed, WecomUser};

use crate::wecom::crypto::Crypto;

/// How to start a simulator.
#[derive(Clone)]
pub struct WecomSimConfig {
    pub corp_id: String,
    pub agent_id: i64,
    /// The app's Secret (for gettoken).
    pub secret: String,
    /// The callback's Token and 43-character EncodingAESKey.
    pub token: String,
    pub aes_key: String,
    /// WeCom's per-member and per-robot limits; off for tests that count nothing.
    pub limits: bool,
    /// What token expiry and the limits count time by (a test's clock shared with the bot).
    pub clock: crate::clock::Clock,
    /// How long a callback push waits for the bot's answer before trying again (WeCom: 5 s).
    pub answer_within: Duration,
}

impl Default for WecomSimConfig {
    fn default() -> Self {
        WecomSimConfig {
            corp_id: "wwsim0123456789ab".into(),
            agent_id: 1000002,
            secret: "sim-app-secret-0123456789".into(),
            token: "simCallbackToken".into(),
            aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            limits: true,
            clock: crate::clock::Clock::system(),
            answer_within: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for WecomSimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WecomSimConfig")
            .field("corp_id", &self.corp_id)
            .field("agent_id", &self.agent_id)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A message the app sent to one member, in its current state (card updates applied).
#[derive(Clone, Debug, PartialEq)]
pub struct WecomMessage {
    /// "text", "markdown", "image" or "template_card".
    pub msgtype: String,
    /// The text, the markdown's content, or the card's title and description (one a line).
    pub text: String,
    pub card: Option<Card>,
    pub media_id: Option<String>,
    /// Times update_template_card changed it.
    pub updates: u32,
}

impl WecomMessage {
    /// The key of the button with this text.
    pub fn button(&self, text: &str) -> Option<String> {
        self.card
            .as_ref()?
            .buttons
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, k)| k.clone())
    }
}

/// A `button_interaction` template card.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub task_id: String,
    /// (text, key) in order.
    pub buttons: Vec<(String, String)>,
    /// After an update: the text that replaced the buttons (`replace_name` / `replace_text`).
    pub chosen: Option<String>,
}

/// A post of the app to a group robot.
#[derive(Clone, Debug, PartialEq)]
pub struct RobotMessage {
    pub text: String,
    /// UserIDs mentioned (`mentioned_list`, or `<@userid>` in markdown).
    pub mentioned: Vec<String>,
    pub msgtype: String,
    /// An image post's picture, kept as media (`WecomSim::media`).
    pub media_id: Option<String>,
}

/// Counters for tests and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct WecomSimStats {
    /// Calls per endpoint ("message/send").
    pub calls: BTreeMap<String, u64>,
    pub token_fetches: u64,
    /// Copies that reached a member (one message to "a|b" is two).
    pub copies_delivered: u64,
    /// Copies dropped by the member limits plus robot posts refused by theirs.
    pub dropped: u64,
    pub robot_posts: u64,
    pub first_copy: Option<Instant>,
    pub last_copy: Option<Instant>,
    /// Callback pushes answered 2xx, and attempts that were not.
    pub callbacks_delivered: u64,
    pub callbacks_failed: u64,
    pub media_bytes_served: u64,
}

/// One line of a demo transcript. Robots are named by the order they were added: their keys
/// are secrets.
#[derive(Clone, Debug, PartialEq)]
pub enum WecomEvent {
    UserAction {
        user: String,
        what: String,
    },
    AppSent {
        user: String,
        message: WecomMessage,
    },
    AppUpdated {
        user: String,
        message: WecomMessage,
    },
    RobotPosted {
        robot: String,
        message: RobotMessage,
    },
}

impl fmt::Display for WecomEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WecomEvent::UserAction { user, what } => write!(f, "[WeCom {user}] {user}: {what}"),
            WecomEvent::AppSent { user, message } => {
                write!(f, "[WeCom {user}] app: {}", describe(message))
            }
            WecomEvent::AppUpdated { user, message } => {
                write!(
                    f,
                    "[WeCom {user}] app updated a card: {}",
                    describe(message)
                )
            }
            WecomEvent::RobotPosted { robot, message } => {
                write!(f, "[WeCom group robot {robot}] ")?;
                if let Some(id) = &message.media_id {
                    write!(f, "[image {id}] ")?;
                }
                write!(f, "{}", message.text)?;
                if !message.mentioned.is_empty() {
                    write!(f, " (@{})", message.mentioned.join(" @"))?;
                }
                Ok(())
            }
        }
    }
}

/// A one-line human description of a message.
pub fn describe(m: &WecomMessage) -> String {
    let mut s = String::new();
    if let Some(id) = &m.media_id {
        s.push_str(&format!("[image {id}] "));
    }
    s.push_str(&m.text);
    if let Some(card) = &m.card {
        match &card.chosen {
            Some(c) => s.push_str(&format!("\n    ({c})")),
            None => {
                let labels: Vec<String> =
                    card.buttons.iter().map(|(t, _)| format!("[{t}]")).collect();
                s.push_str(&format!("\n    {}", labels.join(" ")));
            }
        }
    }
    s
}

/// The simulator handle; cheap to clone.
#[derive(Clone)]
pub struct WecomSim {
    inner: Arc<state::Inner>,
}

impl WecomSim {
    /// Binds 127.0.0.1:0 and serves in a spawned task. Panics if it cannot (a test or demo
    /// fixture with nowhere to listen); see [`WecomSim::try_start`].
    pub async fn start(cfg: WecomSimConfig) -> WecomSim {
        match WecomSim::try_start(cfg).await {
            Ok(sim) => sim,
            Err(e) => panic!("the WeCom simulator cannot start: {e}"),
        }
    }

    pub async fn try_start(cfg: WecomSimConfig) -> anyhow::Result<WecomSim> {
        let crypto = Crypto::new(&cfg.token, &cfg.aes_key, &cfg.corp_id)?;
        let inner = server::start(cfg, crypto).await?;
        Ok(WecomSim { inner })
    }

    /// Where the bot's `api_url` points ("http://127.0.0.1:PORT").
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn corp_id(&self) -> String {
        self.inner.corp_id.clone()
    }

    pub fn agent_id(&self) -> i64 {
        self.inner.agent_id
    }

    /// Where members' messages are pushed: the bot's `/wecom`.
    pub fn set_callback(&self, url: String) {
        self.inner.st().callback_url = Some(url);
    }

    /// A member of the corp (created once; `name` is kept from the first call).
    pub fn user(&self, userid: &str, name: &str) -> WecomUser {
        self.inner
            .st()
            .members
            .entry(userid.to_lowercase())
            .or_insert_with(|| state::Member {
                name: name.to_string(),
            });
        WecomUser::new(self.inner.clone(), userid.to_string())
    }

    /// The member leaves the corp: sends to them are answered as for an unknown UserID.
    pub fn remove_user(&self, userid: &str) {
        self.inner.st().members.remove(&userid.to_lowercase());
    }

    /// A group robot the app may post to with this webhook key.
    pub fn add_robot(&self, key: &str) {
        let mut st = self.inner.st();
        let n = st.robots.len() + 1;
        st.robots
            .entry(key.to_string())
            .or_insert_with(|| state::Robot {
                n,
                posts: Vec::new(),
                removed: false,
            })
            .removed = false;
    }

    /// The robot was removed from its group: WeCom refuses its key from now on.
    pub fn remove_robot(&self, key: &str) {
        if let Some(r) = self.inner.st().robots.get_mut(key) {
            r.removed = true;
        }
    }

    // Observation.

    /// What the app sent this member, in send order, card updates applied.
    pub fn messages_to(&self, userid: &str) -> Vec<WecomMessage> {
        let key = userid.to_lowercase();
        self.inner
            .st()
            .delivered
            .iter()
            .filter(|d| d.member == key)
            .map(|d| d.msg.clone())
            .collect()
    }

    /// What the app posted to this robot, in order.
    pub fn robot_messages(&self, key: &str) -> Vec<RobotMessage> {
        self.inner
            .st()
            .robots
            .get(key)
            .map(|r| r.posts.clone())
            .unwrap_or_default()
    }

    /// Messages dropped silently by the member limits, plus robot posts refused by theirs.
    pub fn dropped(&self) -> u64 {
        self.inner.st().stats.dropped
    }

    pub fn token_fetches(&self) -> u64 {
        self.inner.st().stats.token_fetches
    }

    /// Every access token issued so far dies now (answered 42001 from here on).
    pub fn expire_tokens(&self) {
        let now = self.inner.clock.now_ms();
        for exp in self.inner.st().tokens.values_mut() {
            *exp = (*exp).min(now);
        }
    }

    pub fn stats(&self) -> WecomSimStats {
        self.inner.st().stats.clone()
    }

    /// The bytes of an uploaded or member-sent image.
    pub fn media(&self, media_id: &str) -> Option<Vec<u8>> {
        self.inner.st().media.get(media_id).map(|m| m.bytes.clone())
    }

    /// Every member action, app message, card update and robot post, from now on.
    pub fn events(&self) -> broadcast::Receiver<WecomEvent> {
        self.inner.events.subscribe()
    }

    /// The first message to this member (sent already or within `timeout`, updates
    /// included) that matches.
    pub async fn wait_for<F>(
        &self,
        userid: &str,
        pred: F,
        timeout: Duration,
    ) -> Option<WecomMessage>
    where
        F: Fn(&WecomMessage) -> bool,
    {
        self.wait(timeout, || {
            self.messages_to(userid).into_iter().find(|m| pred(m))
        })
        .await
    }

    /// The first post to this robot (already or within `timeout`) that matches.
    pub async fn wait_for_robot<F>(
        &self,
        key: &str,
        pred: F,
        timeout: Duration,
    ) -> Option<RobotMessage>
    where
        F: Fn(&RobotMessage) -> bool,
    {
        self.wait(timeout, || {
            self.robot_messages(key).into_iter().find(|m| pred(m))
        })
        .await
    }

    /// Looks, and waits for a change before looking again; the waiter is registered before
    /// each look so that no change slips in between.
    async fn wait<T>(&self, timeout: Duration, look: impl Fn() -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(found) = look() {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return look();
            }
        }
    }

    // The callback, for hostile tests.

    /// `xml` encrypted and signed as WeCom would push it at `timestamp` with `nonce`: the
    /// query string and the body.
    pub fn seal(&self, xml: &str, timestamp: i64, nonce: &str) -> (String, String) {
        people::seal(&self.inner, xml, timestamp, nonce)
    }

    /// POSTs `body` to the callback URL with this query string, once; the status, or 0 when
    /// there was no answer.
    pub async fn push_raw(&self, query: &str, body: String) -> u16 {
        let Some(url) = self.inner.st().callback_url.clone() else {
            return 0;
        };
        let req = self
            .inner
            .http
            .post(format!("{url}?{query}"))
            .header("Content-Type", "text/xml")
            .body(body)
            .timeout(self.inner.answer_within);
        match req.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// GETs the callback URL with this query string: the status (0: no answer) and body.
    pub async fn get_raw(&self, query: &str) -> (u16, String) {
        let Some(url) = self.inner.st().callback_url.clone() else {
            return (0, String::new());
        };
        let req = self
            .inner
            .http
            .get(format!("{url}?{query}"))
            .timeout(self.inner.answer_within);
        match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        }
    }

    /// WeCom's URL check, as when an admin saves the callback URL: a signed GET with an
    /// encrypted `echostr`; true if the bot answered 200 with its plaintext.
    pub async fn verify_callback(&self) -> bool {
        let plain = format!("{}", rand::random::<u64>());
        let echostr = self.inner.crypto.encrypt(plain.as_bytes());
        let timestamp = self.inner.now_secs().to_string();
        let nonce = format!("{}", rand::random::<u32>());
        let signature = self.inner.crypto.sign(&timestamp, &nonce, &echostr);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("msg_signature", &signature)
            .append_pair("timestamp", &timestamp)
            .append_pair("nonce", &nonce)
            .append_pair("echostr", &echostr)
            .finish();
        let (status, body) = self.get_raw(&query).await;
        status == 200 && body == plain
    }

    // Fault injection, on message/send, update_template_card, media/upload and webhook/send.

    /// The next `n` such calls are answered with this HTTP status (a 5xx from a proxy).
    pub fn fail_next(&self, n: u32, status: u16) {
        self.inner.st().faults.fail_next = (n, status);
    }

    /// The next `n` such calls are answered 200 with this errcode (-1: system busy).
    pub fn errcode_next(&self, n: u32, errcode: i64) {
        self.inner.st().faults.errcode_next = (n, errcode);
    }

    /// Every answer is delayed by `d` (after the call took effect, like a slow network).
    pub fn set_delay(&self, d: Duration) {
        self.inner.st().faults.delay = d;
    }

    /// Stops serving; later requests fail to connect.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}

#[cfg(test)]
mod tests;
