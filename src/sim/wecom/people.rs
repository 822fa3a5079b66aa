//! The simulated members: what they do is pushed to the bot's callback URL as WeCom pushes
//! it: the message XML encrypted and signed (`msg_signature`, `timestamp`, `nonce`), POSTed
//! in the envelope, and pushed again, up to three more times, while the bot does not answer
//! 200 within the time WeCom waits (5 s).

use std::sync::Arc;

use super::server::{image_type, new_response_code};
use super::state::{Inner, Media};
use super::{WecomEvent, WecomMessage};
use crate::wecom::message::{Envelope, Inbound, Kind};

/// Pushes of one message: the first and WeCom's three retries.
const ATTEMPTS: u32 = 4;

/// A member of the corp who talks to the app.
#[derive(Clone)]
pub struct WecomUser {
    inner: Arc<Inner>,
    userid: String,
}

/// What became of one pushed callback.
#[derive(Clone, Debug)]
pub struct Pushed {
    /// The message as the bot decrypts it (its `MsgId`, or the press's `ResponseCode`).
    pub inbound: Inbound,
    /// POSTs made: 1 if the first was answered, up to 4; 0 with no callback URL set.
    pub attempts: u32,
    /// The bot's last answer; `None` if it never answered.
    pub status: Option<u16>,
    /// The body of the bot's last answer.
    pub reply: String,
}

impl Pushed {
    /// Answered 2xx: WeCom will not push it again.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl WecomUser {
    pub(crate) fn new(inner: Arc<Inner>, userid: String) -> WecomUser {
        WecomUser { inner, userid }
    }

    pub fn userid(&self) -> &str {
        &self.userid
    }

    /// What the app sent this member (card updates applied).
    pub fn messages(&self) -> Vec<WecomMessage> {
        let sim = super::WecomSim {
            inner: self.inner.clone(),
        };
        sim.messages_to(&self.userid)
    }

    pub async fn send_text(&self, text: &str) -> Pushed {
        let kind = Kind::Text {
            content: text.to_string(),
        };
        self.push(kind, true, format!("text: {text}")).await
    }

    /// Sends a picture; the bot can fetch it with media/get (its `MediaId`) or at `PicUrl`.
    pub async fn send_image(&self, png_or_jpeg: Vec<u8>) -> Pushed {
        let content_type = image_type(&png_or_jpeg).unwrap_or("application/octet-stream");
        let media_id = {
            let mut st = self.inner.st();
            let id = st.id("SIMPIC");
            st.media.insert(
                id.clone(),
                Media {
                    bytes: png_or_jpeg,
                    content_type,
                },
            );
            id
        };
        let kind = Kind::Image {
            pic_url: format!("http://{}/pic/{media_id}", self.inner.addr),
            media_id: media_id.clone(),
        };
        self.push(kind, true, format!("image {media_id}")).await
    }

    pub async fn send_location(&self, lat: f64, lon: f64, label: &str) -> Pushed {
        let kind = Kind::Location {
            lat,
            lon,
            label: (!label.is_empty()).then(|| label.to_string()),
        };
        self.push(kind, true, format!("location {lat}, {lon} {label}"))
            .await
    }

    /// Presses the button `key` of the card `task_id`: a `template_card_event` carrying a
    /// fresh single-use `ResponseCode` that lets the app update this member's card.
    pub async fn press(&self, task_id: &str, key: &str) -> Pushed {
        let response_code = {
            let mut st = self.inner.st();
            new_response_code(&mut st, task_id, self.inner.clock.now_ms())
        };
        let label = self
            .messages()
            .iter()
            .filter_map(|m| m.card.as_ref())
            .filter(|c| c.task_id == task_id)
            .find_map(|c| c.buttons.iter().find(|(_, k)| k == key))
            .map_or_else(|| key.to_string(), |(t, _)| t.clone());
        let kind = Kind::CardPress {
            task_id: task_id.to_string(),
            event_key: key.to_string(),
            response_code,
        };
        self.push(kind, false, format!("pressed [{label}]")).await
    }

    async fn push(&self, kind: Kind, is_message: bool, what: String) -> Pushed {
        let (name, msg_id) = {
            let mut st = self.inner.st();
            let name = st
                .members
                .get(&self.userid.to_lowercase())
                .map_or_else(|| self.userid.clone(), |m| m.name.clone());
            // MsgId is a 64-bit integer; events have none.
            st.next_id += 1;
            let msg_id =
                is_message.then(|| (4_000_000_000_000_000_000u64 + st.next_id).to_string());
            (name, msg_id)
        };
        let inbound = Inbound {
            to_corp: self.inner.corp_id.clone(),
            from: self.userid.clone(),
            create_time: self.inner.now_secs(),
            agent_id: Some(self.inner.agent_id),
            msg_id,
            kind,
        };
        self.inner.emit(WecomEvent::UserAction { user: name, what });
        let mut pushed = Pushed {
            inbound,
            attempts: 0,
            status: None,
            reply: String::new(),
        };
        let Some(url) = self.inner.st().callback_url.clone() else {
            return pushed;
        };
        let nonce = format!("{}", rand::random::<u32>());
        let (query, body) = seal(
            &self.inner,
            &pushed.inbound.to_xml(),
            self.inner.now_secs(),
            &nonce,
        );
        // The same request each time, as a retry of one message.
        while pushed.attempts < ATTEMPTS {
            pushed.attempts += 1;
            let req = self
                .inner
                .http
                .post(format!("{url}?{query}"))
                .header("Content-Type", "text/xml")
                .body(body.clone())
                .timeout(self.inner.answer_within);
            let answered = match req.send().await {
                Ok(r) => {
                    pushed.status = Some(r.status().as_u16());
                    pushed.reply = r.text().await.unwrap_or_default();
                    pushed.delivered()
                }
                Err(_) => false,
            };
            let mut st = self.inner.st();
            if answered {
                st.stats.callbacks_delivered += 1;
                break;
            }
            st.stats.callbacks_failed += 1;
        }
        pushed
    }
}

/// `xml` encrypted, enveloped and signed: the callback's query string and body.
pub(crate) fn seal(inner: &Inner, xml: &str, timestamp: i64, nonce: &str) -> (String, String) {
    let encrypt = inner.crypto.encrypt(xml.as_bytes());
    let timestamp = timestamp.to_string();
    let signature = inner.crypto.sign(&timestamp, nonce, &encrypt);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("msg_signature", &signature)
        .append_pair("timestamp", &timestamp)
        .append_pair("nonce", nonce)
        .finish();
    let body = Envelope {
        to_user_name: inner.corp_id.clone(),
        agent_id: Some(inner.agent_id.to_string()),
        encrypt,
    }
    .to_xml();
    (query, body)
}
