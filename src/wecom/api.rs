//! The WeCom server API client the sender uses: application messages, card updates, media,
//! and group robots. It keeps what the outbox needs to decide (retry, wait, give up on a
//! person, drop) and one access token for every clone.
//!
//! - Token: `gettoken` on first need, shared by clones, refreshed five minutes before it
//!   expires, and at once when WeCom answers 40014 / 42001 / 40001 (invalid, expired,
//!   refused credential); the call is then made once more with a fresh one. Callers that need
//!   a token while one is being fetched wait for that fetch.
//! - errcodes: -1 (busy), and a corp id, secret or token refused (an operator must fix the
//!   configuration; the messages wait) → `Transient`; 45009 (frequency) / 45033 (concurrency) →
//!   `RateLimited`; a person or robot that is gone (81013 all recipients invalid, 60111 / 40003
//!   / 40031 unknown UserID, 93000 / 93004 / 93008 robot removed, disabled or out of the group)
//!   → `Unreachable`; any other → `Rejected` with errcode and errmsg. Timeouts, connection
//!   errors and 5xx are `Transient`.
//! - Secrets: the app secret, the access token and robot keys travel in URLs; reqwest's errors
//!   name the URL, so it is dropped (`without_url`), and every message is scrubbed of them as a
//!   last guard. WeCom's own errmsg is kept.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum WecomError {
    /// Worth trying again later: network trouble, 5xx, system busy, an unreadable answer.
    #[error("transient: {0}")]
    Transient(String),
    /// WeCom's frequency limits: wait this long before calling again.
    #[error("rate limited, retry after {0:?}")]
    RateLimited(Duration),
    /// The person or robot cannot be reached (left the corp, out of the app's scope, robot
    /// removed): sending again will not help.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// WeCom refused the request itself.
    #[error("rejected: {0}")]
    Rejected(String),
}

impl WecomError {
    /// WeCom refused a card because the app already sent one with its task id (errcode
    /// 42014): sending it again would not help, and it was sent.
    pub fn is_task_taken(&self) -> bool {
        matches!(self, WecomError::Rejected(text) if text.starts_with("message/send: errcode 42014:"))
    }
}

/// Refreshed this long before WeCom says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
const MEDIA_TIMEOUT: Duration = Duration::from_secs(60);

/// errcodes meaning the access token is no good (40001: "invalid credential").
const TOKEN_REFUSED: [i64; 3] = [40014, 42001, 40001];
/// gettoken's errcodes for a wrong corp id or secret (40001 is in `TOKEN_REFUSED`).
const CREDENTIALS: [i64; 2] = [40013, 40091];
/// errcodes meaning the recipient is gone for us.
const UNREACHABLE: [i64; 7] = [81013, 60111, 40003, 40031, 93000, 93004, 93008];

#[derive(Clone)]
pub struct WecomApi {
    shared: Arc<Shared>,
    /// Every request's timeout is at most this (tests shorten it).
    timeout_cap: Duration,
}

struct Shared {
    http: reqwest::Client,
    /// "https://qyapi.weixin.qq.com", without a trailing slash.
    base: String,
    corp_id: String,
    agent_id: i64,
    secret: String,
    token: Mutex<Option<Token>>,
}

struct Token {
    value: String,
    refresh_at: Instant,
}

/// Never a secret: only the host and the app.
impl std::fmt::Debug for WecomApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = url::Url::parse(&self.shared.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        f.debug_struct("WecomApi")
            .field("host", &host)
            .field("corp_id", &self.shared.corp_id)
            .field("agent_id", &self.shared.agent_id)
            .finish_non_exhaustive()
    }
}

/// How long a token given `expires_in` seconds is used before a new one is fetched.
fn use_for(expires_in: u64) -> Duration {
    let life = Duration::from_secs(expires_in);
    life.saturating_sub(TOKEN_MARGIN).max(life / 2)
}

impl WecomApi {
    /// `base_url`: "https://qyapi.weixin.qq.com" or the simulator's.
    pub fn new(base_url: &str, corp_id: &str, agent_id: i64, secret: String) -> WecomApi {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        WecomApi {
            shared: Arc::new(Shared {
                http,
                base: base_url.trim_end_matches('/').to_string(),
                corp_id: corp_id.to_string(),
                agent_id,
                secret,
                token: Mutex::new(None),
            }),
            timeout_cap: Duration::MAX,
        }
    }

    /// No request waits longer than `cap` (tests use a short one to see timeouts quickly).
    pub fn with_timeout_cap(mut self, cap: Duration) -> WecomApi {
        self.timeout_cap = cap;
        self
    }

    pub fn agent_id(&self) -> i64 {
        self.shared.agent_id
    }

    fn timeout(&self, wanted: Duration) -> Duration {
        wanted.min(self.timeout_cap)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/cgi-bin/{path}", self.shared.base)
    }

    /// message/send with our `agentid`. The answer (`msgid`, `response_code` for cards,
    /// `invaliduser`) is returned; a message none of whose recipients exists is
    /// `Unreachable` (some unknown among several: the others got it, so it is `Ok`).
    pub async fn send(&self, body: Value) -> Result<Value, WecomError> {
        let what = "message/send";
        let body = with_agent(what, body, self.shared.agent_id)?;
        let answer = self.post_json(what, &body).await?;
        let invalid = user_list(answer["invaliduser"].as_str().unwrap_or(""));
        let to = user_list(body["touser"].as_str().unwrap_or(""));
        if !invalid.is_empty() && !to.is_empty() && to.iter().all(|u| invalid.contains(u)) {
            return Err(WecomError::Unreachable(format!(
                "{what}: invaliduser {}",
                invalid.join("|")
            )));
        }
        Ok(answer)
    }

    /// message/update_template_card with our `agentid` (its `response_code` is spent).
    pub async fn update_card(&self, body: Value) -> Result<(), WecomError> {
        let what = "message/update_template_card";
        let body = with_agent(what, body, self.shared.agent_id)?;
        self.post_json(what, &body).await?;
        Ok(())
    }

    /// POST a JSON body to `what` with the access token.
    async fn post_json(&self, what: &'static str, body: &Value) -> Result<Value, WecomError> {
        self.json_call(what, |token| {
            self.shared
                .http
                .post(self.url(what))
                .query(&[("access_token", token)])
                .json(body)
                .timeout(self.timeout(CALL_TIMEOUT))
        })
        .await
    }

    /// media/upload?type=image: the media_id (valid three days) for an image message.
    pub async fn upload_image(&self, jpeg: Bytes) -> Result<String, WecomError> {
        let what = "media/upload";
        let len = jpeg.len() as u64;
        let answer = self
            .json_call(what, |token| {
                let part = reqwest::multipart::Part::stream_with_length(jpeg.clone(), len)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .unwrap_or_else(|_| {
                        reqwest::multipart::Part::stream_with_length(jpeg.clone(), len)
                            .file_name("photo.jpg")
                    });
                self.shared
                    .http
                    .post(self.url(what))
                    .query(&[("access_token", token), ("type", "image")])
                    .multipart(reqwest::multipart::Form::new().part("media", part))
                    .timeout(self.timeout(MEDIA_TIMEOUT))
            })
            .await?;
        answer["media_id"]
            .as_str()
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .ok_or_else(|| WecomError::Transient(format!("{what}: no media_id in the answer")))
    }

    /// media/get: a member's picture, read as it streams in and refused (`Rejected`) as soon
    /// as it passes `cap` bytes.
    pub async fn download_media(&self, media_id: &str, cap: u64) -> Result<Bytes, WecomError> {
        let what = "media/get";
        let mut refused = false;
        loop {
            let token = self.token().await?;
            let response = self
                .shared
                .http
                .get(self.url(what))
                .query(&[("access_token", token.as_str()), ("media_id", media_id)])
                .timeout(self.timeout(MEDIA_TIMEOUT))
                .send()
                .await
                .map_err(|e| WecomError::Transient(self.describe(what, e, &[&token])))?;
            check_status(what, &response)?;
            // A file comes as itself; an error as JSON.
            let is_json = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/"));
            if !is_json {
                return self.read_capped(what, response, cap, &token).await;
            }
            let answer = self.read_json(what, response, &token).await?;
            let code = errcode(&answer);
            if TOKEN_REFUSED.contains(&code) && !refused {
                self.forget(&token).await;
                refused = true;
                continue;
            }
            self.classify(what, answer, &[&token])?;
            return Err(WecomError::Rejected(format!(
                "{what}: no file in the answer"
            )));
        }
    }

    /// cgi-bin/webhook/send?key=: a post to a group robot (no access token needed).
    pub async fn robot_send(&self, key: &str, body: Value) -> Result<(), WecomError> {
        let what = "webhook/send";
        let response = self
            .shared
            .http
            .post(self.url(what))
            .query(&[("key", key)])
            .json(&body)
            .timeout(self.timeout(CALL_TIMEOUT))
            .send()
            .await
            .map_err(|e| WecomError::Transient(self.describe(what, e, &[key])))?;
        check_status(what, &response)?;
        let answer = self.read_json(what, response, key).await?;
        self.classify(what, answer, &[key])?;
        Ok(())
    }

    /// A call that needs the access token, answered in JSON: made again once with a fresh
    /// token if WeCom refuses the one it had.
    async fn json_call<F>(&self, what: &str, request: F) -> Result<Value, WecomError>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        let mut refused = false;
        loop {
            let token = self.token().await?;
            let response = request(&token)
                .send()
                .await
                .map_err(|e| WecomError::Transient(self.describe(what, e, &[&token])))?;
            check_status(what, &response)?;
            let answer = self.read_json(what, response, &token).await?;
            if TOKEN_REFUSED.contains(&errcode(&answer)) && !refused {
                self.forget(&token).await;
                refused = true;
                continue;
            }
            return self.classify(what, answer, &[&token]);
        }
    }

    /// The live token, or a new one. The lock is held during the fetch, so concurrent
    /// callers wait for this one instead of each fetching their own.
    async fn token(&self) -> Result<String, WecomError> {
        let mut held = self.shared.token.lock().await;
        if let Some(t) = held.as_ref() {
            if Instant::now() < t.refresh_at {
                return Ok(t.value.clone());
            }
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *held = Some(fresh);
        Ok(value)
    }

    /// Drops `used` if it is still the one held (a concurrent caller may have replaced it).
    async fn forget(&self, used: &str) {
        let mut held = self.shared.token.lock().await;
        if held.as_ref().is_some_and(|t| t.value == used) {
            *held = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, WecomError> {
        let what = "gettoken";
        let response = self
            .shared
            .http
            .get(self.url(what))
            .query(&[
                ("corpid", self.shared.corp_id.as_str()),
                ("corpsecret", self.shared.secret.as_str()),
            ])
            .timeout(self.timeout(CALL_TIMEOUT))
            .send()
            .await
            .map_err(|e| WecomError::Transient(self.describe(what, e, &[])))?;
        check_status(what, &response)?;
        let answer = self.read_json(what, response, "").await?;
        let answer = self.classify(what, answer, &[])?;
        let Some(value) = answer["access_token"].as_str().filter(|t| !t.is_empty()) else {
            return Err(WecomError::Transient(format!("{what}: no access_token")));
        };
        let expires_in = answer["expires_in"].as_u64().unwrap_or(7200);
        tracing::debug!(expires_in, "WeCom access token fetched");
        Ok(Token {
            value: value.to_string(),
            refresh_at: Instant::now() + use_for(expires_in),
        })
    }

    /// An answer's JSON (WeCom's answers are small: at most 1 MB is read).
    async fn read_json(
        &self,
        what: &str,
        mut response: reqwest::Response,
        secret: &str,
    ) -> Result<Value, WecomError> {
        const MAX: usize = 1 << 20;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| WecomError::Transient(self.describe(what, e, &[secret])))?
        {
            if body.len() + chunk.len() > MAX {
                return Err(WecomError::Transient(format!("{what}: answer too large")));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map_err(|_| WecomError::Transient(format!("{what}: unreadable answer")))
    }

    async fn read_capped(
        &self,
        what: &str,
        mut response: reqwest::Response,
        cap: u64,
        token: &str,
    ) -> Result<Bytes, WecomError> {
        let too_large =
            || WecomError::Rejected(format!("{what}: the file is larger than {cap} bytes"));
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| WecomError::Transient(self.describe(what, e, &[token])))?
        {
            if (bytes.len() + chunk.len()) as u64 > cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    }

    /// The errcode of an answer as the error the sender acts on.
    fn classify(&self, what: &str, answer: Value, secrets: &[&str]) -> Result<Value, WecomError> {
        let code = errcode(&answer);
        if code == 0 {
            return Ok(answer);
        }
        let errmsg = self.redact(answer["errmsg"].as_str().unwrap_or(""), secrets);
        let text = format!("{what}: errcode {code}: {errmsg}");
        Err(match code {
            -1 => WecomError::Transient(text),
            45009 => WecomError::RateLimited(Duration::from_secs(60)),
            45033 => WecomError::RateLimited(Duration::from_secs(1)),
            c if UNREACHABLE.contains(&c) => WecomError::Unreachable(text),
            // The token refused twice, or gettoken refusing the corp id or secret: an operator
            // must fix the configuration; keep the messages until then (as for Telegram's 401).
            c if TOKEN_REFUSED.contains(&c) || CREDENTIALS.contains(&c) => {
                WecomError::Transient(text)
            }
            _ => WecomError::Rejected(text),
        })
    }

    /// A network error as an operator can act on it: what was asked and why it failed, from
    /// the whole chain of causes, without the URL (it holds secrets) and scrubbed of them.
    fn describe(&self, what: &str, e: reqwest::Error, secrets: &[&str]) -> String {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "failed"
        };
        let e = e.without_url();
        let mut text = format!("{what} {kind}: {e}");
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        self.redact(&text, secrets)
    }

    fn redact(&self, text: &str, secrets: &[&str]) -> String {
        let mut text = text.to_string();
        for s in secrets.iter().copied().chain([self.shared.secret.as_str()]) {
            if !s.is_empty() {
                text = text.replace(s, "***");
            }
        }
        text
    }
}

fn check_status(what: &str, response: &reqwest::Response) -> Result<(), WecomError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status.as_u16() == 429 {
        return Err(WecomError::RateLimited(Duration::from_secs(1)));
    }
    // WeCom answers 200 with an errcode; anything else is a proxy or a wrong api_url: keep
    // the messages until it is fixed.
    Err(WecomError::Transient(format!("{what}: HTTP {status}")))
}

fn errcode(answer: &Value) -> i64 {
    // An answer without errcode (gettoken's success has 0) is read as success.
    answer["errcode"].as_i64().unwrap_or(0)
}

fn with_agent(what: &str, body: Value, agent_id: i64) -> Result<Value, WecomError> {
    let Value::Object(mut m) = body else {
        return Err(WecomError::Rejected(format!(
            "{what}: the body must be a JSON object"
        )));
    };
    m.insert("agentid".into(), agent_id.into());
    Ok(Value::Object(m))
}

/// "a|B|" → ["a", "b"]: WeCom's UserIDs, which it compares without regard to case.
fn user_list(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::wecom::{WecomSim, WecomSimConfig};
    use serde_json::json;

    async fn setup(cfg: WecomSimConfig) -> (WecomSim, WecomApi) {
        let sim = WecomSim::start(cfg.clone()).await;
        let api = WecomApi::new(
            &sim.base_url(),
            &cfg.corp_id,
            cfg.agent_id,
            cfg.secret.clone(),
        );
        (sim, api)
    }

    fn text(to: &str, s: &str) -> Value {
        json!({"touser": to, "msgtype": "text", "text": {"content": s}})
    }

    #[test]
    fn tokens_are_used_until_five_minutes_before_they_expire() {
        assert_eq!(use_for(7200), Duration::from_secs(6900));
        assert_eq!(
            use_for(400),
            Duration::from_secs(200),
            "never less than half"
        );
        assert_eq!(use_for(0), Duration::ZERO);
    }

    #[tokio::test]
    async fn one_token_is_fetched_for_every_clone_and_concurrent_caller() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        let calls: Vec<_> = (0..20)
            .map(|i| {
                let api = api.clone();
                tokio::spawn(async move { api.send(text("zhang", &format!("m{i}"))).await })
            })
            .collect();
        for c in calls {
            let answer = c.await.expect("joined").expect("sent");
            assert!(answer["msgid"].is_string());
        }
        assert_eq!(sim.token_fetches(), 1);
        assert_eq!(sim.messages_to("zhang").len(), 20);
        api.clone()
            .send(text("zhang", "again"))
            .await
            .expect("sent");
        assert_eq!(sim.token_fetches(), 1);
    }

    #[tokio::test]
    async fn a_dead_token_is_replaced_and_the_call_made_again() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        api.send(text("zhang", "1")).await.expect("sent");
        sim.expire_tokens();
        api.send(text("zhang", "2"))
            .await
            .expect("sent with a fresh token");
        assert_eq!(sim.token_fetches(), 2);
        let texts: Vec<String> = sim
            .messages_to("zhang")
            .into_iter()
            .map(|m| m.text)
            .collect();
        assert_eq!(texts, ["1", "2"]);
        // Concurrent callers that all hold the dead token fetch one new token between them.
        sim.expire_tokens();
        let calls: Vec<_> = (0..10)
            .map(|i| {
                let api = api.clone();
                tokio::spawn(async move { api.send(text("zhang", &format!("c{i}"))).await })
            })
            .collect();
        for c in calls {
            c.await.expect("joined").expect("sent");
        }
        assert_eq!(sim.token_fetches(), 3);
    }

    #[tokio::test]
    async fn the_member_limits_drop_silently_and_are_counted() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        for i in 0..35 {
            api.send(text("zhang", &format!("m{i}")))
                .await
                .expect("WeCom answers a dropped message as sent");
        }
        assert_eq!(sim.messages_to("zhang").len(), 30);
        assert_eq!(sim.dropped(), 5);
    }

    #[tokio::test]
    async fn unknown_people_are_unreachable() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        let e = api.send(text("ghost", "x")).await.expect_err("nobody");
        assert!(
            matches!(&e, WecomError::Unreachable(m) if m.contains("81013")),
            "{e}"
        );
        // Some unknown among several: the others got it.
        let answer = api
            .send(text("zhang|ghost", "x"))
            .await
            .expect("sent to zhang");
        assert_eq!(answer["invaliduser"], json!("ghost"));
        sim.remove_user("zhang");
        let e = api.send(text("zhang", "x")).await.expect_err("gone");
        assert!(matches!(e, WecomError::Unreachable(_)), "{e}");
    }

    #[tokio::test]
    async fn errcodes_and_statuses_map_to_what_the_sender_does() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        sim.errcode_next(1, -1);
        assert!(matches!(
            api.send(text("zhang", "x")).await,
            Err(WecomError::Transient(_))
        ));
        sim.errcode_next(1, 45009);
        assert_eq!(
            api.send(text("zhang", "x")).await,
            Err(WecomError::RateLimited(Duration::from_secs(60)))
        );
        sim.fail_next(1, 502);
        let e = api.send(text("zhang", "x")).await.expect_err("502");
        assert!(
            matches!(&e, WecomError::Transient(m) if m.contains("502")),
            "{e}"
        );
        let e = api.send(text("zhang", "")).await.expect_err("empty");
        assert!(
            matches!(&e, WecomError::Rejected(m) if m.contains("44004")),
            "{e}"
        );
        let e = api
            .send(json!("not an object"))
            .await
            .expect_err("not an object");
        assert!(matches!(e, WecomError::Rejected(_)));
        assert_eq!(sim.messages_to("zhang").len(), 0);
    }

    #[tokio::test]
    async fn cards_update_once_per_response_code() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.user("zhang", "张三");
        let card = json!({"touser": "zhang", "msgtype": "template_card", "template_card": {
            "card_type": "button_interaction", "task_id": "zr-7",
            "main_title": {"title": "零报告"},
            "button_list": [{"text": "确认", "style": 1, "key": "ack:7"}]}});
        let answer = api.send(card.clone()).await.expect("sent");
        let e = api.send(card).await.expect_err("task_id used");
        assert!(e.is_task_taken(), "{e}");
        assert!(!WecomError::Rejected("message/send: errcode 40058: x".into()).is_task_taken());
        let code = answer["response_code"]
            .as_str()
            .expect("a code")
            .to_string();
        let update = json!({"userids": ["zhang"], "response_code": code,
                            "button": {"replace_name": "已确认"}});
        api.update_card(update.clone()).await.expect("updated");
        let m = &sim.messages_to("zhang")[0];
        assert_eq!(
            m.card.as_ref().and_then(|c| c.chosen.as_deref()),
            Some("已确认")
        );
        assert!(matches!(
            api.update_card(update).await,
            Err(WecomError::Rejected(_))
        ));
    }

    #[tokio::test]
    async fn images_go_up_and_come_down_within_a_cap() {
        let cfg = WecomSimConfig::default();
        let (sim, api) = setup(cfg.clone()).await;
        let zhang = sim.user("zhang", "张三");
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0];
        jpeg.extend((0..1_000_000u32).map(|i| (i % 251) as u8));
        let media_id = api
            .upload_image(Bytes::from(jpeg.clone()))
            .await
            .expect("uploaded");
        api.send(json!({"touser": "zhang", "msgtype": "image", "image": {"media_id": media_id}}))
            .await
            .expect("sent");
        assert_eq!(
            sim.messages_to("zhang")[0].media_id.as_deref(),
            Some(media_id.as_str())
        );
        let e = api
            .upload_image(Bytes::from_static(b"GIF89a...."))
            .await
            .expect_err("gif");
        assert!(matches!(e, WecomError::Rejected(_)), "{e}");

        // A member's picture, fetched by its MediaId: large enough that what the client
        // leaves unread cannot all sit in socket buffers.
        let mut big = jpeg.clone();
        big.resize(16 << 20, 7);
        let pushed = zhang.send_image(big.clone()).await;
        let crate::wecom::message::Kind::Image { media_id, .. } = pushed.inbound.kind else {
            panic!("an image");
        };
        let got = api
            .download_media(&media_id, 16 << 20)
            .await
            .expect("downloaded");
        assert_eq!(got.as_ref(), big.as_slice());
        let served = sim.stats().media_bytes_served;
        let e = api
            .download_media(&media_id, 100_000)
            .await
            .expect_err("over the cap");
        assert!(matches!(e, WecomError::Rejected(_)), "{e}");
        let more = sim.stats().media_bytes_served - served;
        assert!(
            more < big.len() as u64 / 2,
            "stopped reading early: {more} bytes"
        );
        let e = api.download_media("nope", 1000).await.expect_err("unknown");
        assert!(
            matches!(&e, WecomError::Rejected(m) if m.contains("40007")),
            "{e}"
        );
        sim.expire_tokens();
        api.download_media(&media_id, 16 << 20)
            .await
            .expect("downloaded with a fresh token");
    }

    #[tokio::test]
    async fn robots_post_and_are_limited() {
        let (sim, api) = setup(WecomSimConfig::default()).await;
        sim.add_robot("robot-key-abc");
        let post = json!({"msgtype": "text", "text": {"content": "红色预警", "mentioned_list": ["zhang"]}});
        for _ in 0..20 {
            api.robot_send("robot-key-abc", post.clone())
                .await
                .expect("posted");
        }
        assert_eq!(
            api.robot_send("robot-key-abc", post.clone()).await,
            Err(WecomError::RateLimited(Duration::from_secs(60)))
        );
        assert_eq!(sim.robot_messages("robot-key-abc").len(), 20);
        let e = api
            .robot_send("removed-robot-key", post)
            .await
            .expect_err("unknown");
        assert!(matches!(e, WecomError::Unreachable(_)), "{e}");
        assert!(!e.to_string().contains("removed-robot-key"), "{e}");
        assert_eq!(sim.token_fetches(), 0, "robots need no token");
    }

    #[tokio::test]
    async fn no_secret_token_or_robot_key_in_an_error() {
        let cfg = WecomSimConfig::default();
        let sim = WecomSim::start(cfg.clone()).await;
        sim.user("zhang", "张三");
        // A wrong secret: refused (kept for retry until the operator fixes it), not repeated.
        let wrong = "wrong-secret-0123456789";
        let api = WecomApi::new(&sim.base_url(), &cfg.corp_id, cfg.agent_id, wrong.into());
        let bad_secret = api.send(text("zhang", "x")).await.expect_err("refused");
        assert!(
            matches!(&bad_secret, WecomError::Transient(m) if m.contains("40001")),
            "{bad_secret}"
        );
        assert!(!format!("{bad_secret} {bad_secret:?}").contains(wrong));
        assert!(!format!("{api:?}").contains(wrong));

        // Timeouts, with the token and the robot key in the URL.
        let api = WecomApi::new(
            &sim.base_url(),
            &cfg.corp_id,
            cfg.agent_id,
            cfg.secret.clone(),
        )
        .with_timeout_cap(Duration::from_millis(200));
        api.send(text("zhang", "x")).await.expect("sent");
        let token = api.token().await.expect("held");
        sim.set_delay(Duration::from_secs(2));
        let slow = api.send(text("zhang", "x")).await.expect_err("timed out");
        let slow_robot = api
            .robot_send("robot-key-xyz", json!({}))
            .await
            .expect_err("slow");
        sim.set_delay(Duration::ZERO);
        assert!(slow.to_string().contains("timed out"), "{slow}");

        // Nobody listening, with the secret in gettoken's URL and the key in the robot's.
        let dead = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            format!("http://{}", l.local_addr().expect("addr"))
        };
        let api = WecomApi::new(&dead, &cfg.corp_id, cfg.agent_id, cfg.secret.clone());
        let refused = api.send(text("zhang", "x")).await.expect_err("refused");
        let refused_robot = api
            .robot_send("robot-key-xyz", json!({}))
            .await
            .expect_err("refused");
        assert!(refused.to_string().contains("connect"), "{refused}");

        for e in [&bad_secret, &slow, &slow_robot, &refused, &refused_robot] {
            assert!(matches!(e, WecomError::Transient(_)), "{e}");
            let shown = format!("{e} {e:?}");
            for secret in [
                cfg.secret.as_str(),
                token.as_str(),
                "robot-key-xyz",
                "access_token=",
            ] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
}
