//! A thin Bot API client that keeps what the outbox sender needs to decide: the HTTP status,
//! `retry_after` and `migrate_to_chat_id`. (teloxide's own client sleeps 10 s on every 5xx and
//! folds statuses into error kinds; the sender must schedule retries itself.)
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 429: wait this many seconds before sending to that chat again.
    #[error("rate limited, retry after {0}s")]
    RetryAfter(u64),
    /// The group became a supergroup with this id.
    #[error("chat migrated to {0}")]
    Migrated(i64),
    /// The chat will never receive messages (bot blocked, user deactivated, chat gone).
    #[error("chat unreachable: {0}")]
    Unreachable(String),
    /// Worth retrying later: network trouble, 5xx, an unreadable answer.
    #[error("transient: {0}")]
    Transient(String),
    /// Telegram refused the request itself; sending it again would not help.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// Holds the token (inside `base` and `files`): it must never reach a log line, an error
/// or the database. Requests are built from these strings only; errors are told with
/// `describe`, which drops the URL and, as a last guard, anything that still names the token.
#[derive(Clone)]
pub struct BotApi {
    http: reqwest::Client,
    base: String,
    files: String,
    token: String,
    /// Every request's timeout is at most this (tests shorten it).
    timeout_cap: Duration,
}

/// Never the token: only the host it talks to.
impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        f.debug_struct("BotApi")
            .field("host", &host)
            .finish_non_exhaustive()
    }
}

/// Descriptions of 400s that mean the chat itself is gone for us.
const UNREACHABLE_400: [&str; 5] = [
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "bot was kicked",
    "not enough rights to send",
];

pub fn classify(status: u16, body: &Value) -> ApiError {
    let description = body["description"].as_str().unwrap_or("").to_string();
    let params = &body["parameters"];
    if let Some(new_id) = params["migrate_to_chat_id"].as_i64() {
        return ApiError::Migrated(new_id);
    }
    match status {
        429 => ApiError::RetryAfter(params["retry_after"].as_u64().unwrap_or(1).max(1)),
        403 => ApiError::Unreachable(description),
        400 if UNREACHABLE_400
            .iter()
            .any(|p| description.to_lowercase().contains(p)) =>
        {
            ApiError::Unreachable(description)
        }
        // A wrong token (401) or an unknown method (404) is an operator problem: keep the
        // messages until it is fixed rather than dropping them.
        401 | 404 | 500..=599 => ApiError::Transient(format!("{status} {description}")),
        _ => ApiError::Rejected(format!("{status} {description}")),
    }
}

impl BotApi {
    /// `api_url` is the Bot API base (`https://api.telegram.org/` or the simulator's).
    pub fn new(api_url: &str, token: &str) -> BotApi {
        let api_url = api_url.trim_end_matches('/');
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        BotApi {
            http,
            base: format!("{api_url}/bot{token}"),
            files: format!("{api_url}/file/bot{token}"),
            token: token.to_string(),
            timeout_cap: Duration::MAX,
        }
    }

    /// No request waits longer than `cap` (tests use a short one to see timeouts quickly).
    pub fn with_timeout_cap(mut self, cap: Duration) -> BotApi {
        self.timeout_cap = cap;
        self
    }

    fn timeout(&self, wanted: Duration) -> Duration {
        wanted.min(self.timeout_cap)
    }

    /// A network error as an operator can act on it: what was asked, and why it failed
    /// (refused, timed out, …), from the whole chain of causes. reqwest's own `Display`
    /// names the request URL, which holds the token, so the URL is dropped first.
    fn describe(&self, what: &str, e: reqwest::Error) -> String {
        let e = e.without_url();
        let mut text = format!("{what}: {e}");
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        redact(&text, &self.token)
    }

    /// A file's bytes (getFile, then the download). A file of more than `max` bytes is
    /// refused: by its announced length at once, else as soon as the body passes `max`.
    pub async fn download(&self, file_id: &str, max: usize) -> Result<Vec<u8>, ApiError> {
        let mut response = self.file_response(file_id).await?;
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large(max));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = self.next_chunk(&mut response).await? {
            if bytes.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// A file's first bytes: read until `enough` says they tell what is wanted, at most
    /// `max`; the rest is never fetched (the connection is dropped).
    pub async fn download_head(
        &self,
        file_id: &str,
        max: usize,
        mut enough: impl FnMut(&[u8]) -> bool,
    ) -> Result<Vec<u8>, ApiError> {
        let mut response = self.file_response(file_id).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = self.next_chunk(&mut response).await? {
            let room = max.saturating_sub(bytes.len());
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if bytes.len() >= max || enough(&bytes) {
                break;
            }
        }
        Ok(bytes)
    }

    /// getFile, then the download's response with its body not yet read.
    async fn file_response(&self, file_id: &str) -> Result<reqwest::Response, ApiError> {
        let file = self
            .call(
                "getFile",
                &json!({ "file_id": file_id }),
                Duration::from_secs(30),
            )
            .await?;
        let Some(path) = file["file_path"].as_str() else {
            return Err(ApiError::Rejected("getFile gave no file_path".into()));
        };
        let response = self
            .http
            .get(format!("{}/{path}", self.files))
            .timeout(self.timeout(Duration::from_secs(60)))
            .send()
            .await
            .map_err(|e| ApiError::Transient(self.describe("download", e)))?;
        if !response.status().is_success() {
            return Err(ApiError::Transient(format!(
                "download: {}",
                response.status()
            )));
        }
        Ok(response)
    }

    async fn next_chunk(
        &self,
        response: &mut reqwest::Response,
    ) -> Result<Option<bytes::Bytes>, ApiError> {
        response
            .chunk()
            .await
            .map_err(|e| ApiError::Transient(self.describe("download", e)))
    }

    /// sendPhoto with the picture uploaded (multipart); the other parameters as form fields.
    pub async fn upload_photo(
        &self,
        params: &Value,
        jpeg: bytes::Bytes,
    ) -> Result<Value, ApiError> {
        let mut form = reqwest::multipart::Form::new();
        if let Some(obj) = params.as_object() {
            for (k, v) in obj {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                form = form.text(k.clone(), text);
            }
        }
        // Shared, not copied: one cleaned picture goes to every recipient.
        let length = jpeg.len() as u64;
        let part = reqwest::multipart::Part::stream_with_length(jpeg, length)
            .file_name("photo.jpg")
            .mime_str("image/jpeg")
            .map_err(|e| ApiError::Rejected(e.to_string()))?;
        form = form.part("photo", part);
        let response = self
            .http
            .post(format!("{}/sendPhoto", self.base))
            .multipart(form)
            .timeout(self.timeout(Duration::from_secs(60)))
            .send()
            .await
            .map_err(|e| ApiError::Transient(self.describe("sendPhoto", e)))?;
        let status = response.status().as_u16();
        crate::metrics::telegram_answered(status);
        let body: Value = response.json().await.map_err(|e| {
            ApiError::Transient(
                self.describe(&format!("sendPhoto: {status}: unreadable answer"), e),
            )
        })?;
        if body["ok"].as_bool() == Some(true) {
            Ok(body["result"].clone())
        } else {
            Err(named("sendPhoto", classify(status, &body)))
        }
    }

    pub async fn call(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<Value, ApiError> {
        let response = self
            .http
            .post(format!("{}/{method}", self.base))
            .json(params)
            .timeout(self.timeout(timeout))
            .send()
            .await
            .map_err(|e| ApiError::Transient(self.describe(method, e)))?;
        let status = response.status().as_u16();
        crate::metrics::telegram_answered(status);
        let body: Value = match response.json().await {
            Ok(v) => v,
            Err(e) => {
                return Err(ApiError::Transient(
                    self.describe(&format!("{method}: {status}: unreadable answer"), e),
                ))
            }
        };
        if body["ok"].as_bool() == Some(true) {
            Ok(body["result"].clone())
        } else {
            Err(named(method, classify(status, &body)))
        }
    }

    pub async fn get_me(&self) -> Result<Value, ApiError> {
        self.call("getMe", &json!({}), Duration::from_secs(30))
            .await
    }

    /// Long poll; the raw updates are kept as JSON so they can be stored before handling.
    pub async fn get_updates(
        &self,
        offset: i64,
        timeout_secs: u64,
    ) -> Result<Vec<Value>, ApiError> {
        let params = json!({ "offset": offset, "timeout": timeout_secs, "limit": 100 });
        let result = self
            .call(
                "getUpdates",
                &params,
                Duration::from_secs(timeout_secs + 15),
            )
            .await?;
        Ok(result.as_array().cloned().unwrap_or_default())
    }
}

fn too_large(max: usize) -> ApiError {
    ApiError::Rejected(format!("file too large: more than {max} bytes"))
}

/// A failure worth reading later (in a log or `outbox.last_error`) names the method.
fn named(method: &str, e: ApiError) -> ApiError {
    match e {
        ApiError::Transient(s) => ApiError::Transient(format!("{method}: {s}")),
        ApiError::Rejected(s) => ApiError::Rejected(format!("{method}: {s}")),
        other => other,
    }
}

/// The token, or its secret half, replaced wherever it still appears.
fn redact(text: &str, token: &str) -> String {
    let mut out = text.to_string();
    if !token.is_empty() {
        out = out.replace(token, "<token>");
    }
    if let Some((_, secret)) = token.split_once(':').filter(|(_, s)| s.len() >= 8) {
        out = out.replace(secret, "<token>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_debug_never_show_the_token() {
        let token = "123456:SECRET-abcdefghijklmnop";
        assert_eq!(
            redact(&format!("for url (http://h/bot{token}/getMe)"), token),
            "for url (http://h/bot<token>/getMe)"
        );
        assert_eq!(
            redact("only SECRET-abcdefghijklmnop here", token),
            "only <token> here"
        );
        let api = BotApi::new("http://127.0.0.1:9/", token);
        let shown = format!("{api:?}");
        assert!(
            !shown.contains("SECRET") && shown.contains("127.0.0.1"),
            "{shown}"
        );
    }

    #[test]
    fn classifies_telegram_errors() {
        let body = |d: &str| json!({"ok": false, "description": d});
        assert_eq!(
            classify(429, &json!({"ok": false, "parameters": {"retry_after": 7}})),
            ApiError::RetryAfter(7)
        );
        assert_eq!(
            classify(
                400,
                &json!({"ok": false, "parameters": {"migrate_to_chat_id": -1001}})
            ),
            ApiError::Migrated(-1001)
        );
        assert!(matches!(
            classify(403, &body("Forbidden: bot was blocked by the user")),
            ApiError::Unreachable(_)
        ));
        assert!(matches!(
            classify(400, &body("Bad Request: chat not found")),
            ApiError::Unreachable(_)
        ));
        assert!(matches!(
            classify(502, &body("Bad Gateway")),
            ApiError::Transient(_)
        ));
        assert!(matches!(
            classify(400, &body("Bad Request: message is too long")),
            ApiError::Rejected(_)
        ));
    }
}
