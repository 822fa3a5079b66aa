//! The HTTP side: `POST /bot<token>/<method>` and `GET /file/bot<token>/<path>`, answered in
//! Telegram's shapes with Telegram's status codes.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{broadcast, Notify};

use super::limits::RateLimiter;
use super::methods::{self, canonical};
use super::params::{ApiError, Params};
use super::state::{BotInfo, Inner, State};
use super::SimConfig;

/// Longest long poll honoured; Telegram caps it too.
const MAX_POLL: Duration = Duration::from_secs(50);

pub(crate) async fn start(cfg: SimConfig) -> anyhow::Result<Arc<Inner>> {
    let bot_id: i64 = cfg
        .token
        .split(':')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("token must look like 123456:SECRET"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = State {
        next_update_id: 1,
        limiter: RateLimiter::new(cfg.limits.clone()),
        ..State::default()
    };
    let inner = Arc::new(Inner {
        token: cfg.token.clone(),
        bot: BotInfo {
            id: bot_id,
            first_name: "Lookout".into(),
            username: "lookout_sim_bot".into(),
        },
        addr,
        state: Mutex::new(state),
        clock: cfg.clock.clone(),
        updates_changed: Notify::new(),
        updates_confirmed: Notify::new(),
        sent_changed: Notify::new(),
        events: broadcast::channel(4096).0,
        poller_busy: Default::default(),
        tasks: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(inner.clone());
    let handle = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("simulator server stopped: {e}");
        }
    });
    let pusher = tokio::spawn(super::webhook::push(inner.clone()));
    inner
        .tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend([handle, pusher]);
    Ok(inner)
}

async fn handle(
    AxState(inner): AxState<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    let broken = inner.st().faults.fail_all;
    let answer = if let Some(status) = broken {
        count_error(&inner, status);
        json_response(status, methods::server_error(status).body())
    } else if let Some(rest) = path.strip_prefix("file/bot") {
        download(inner.clone(), rest)
    } else if let Some(rest) = path.strip_prefix("bot") {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        match api(&inner, rest, content_type, uri.query(), &body).await {
            Ok(result) => json_response(200, json!({"ok": true, "result": result})),
            Err(e) => {
                count_error(&inner, e.status);
                json_response(e.status, e.body())
            }
        }
    } else {
        json_response(404, ApiError::new(404, "Not Found").body())
    };
    let delay = inner.st().faults.delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer
}

fn count_error(inner: &Inner, status: u16) {
    let mut st = inner.st();
    match status {
        429 => st.stats.throttled += 1,
        500..=599 => st.stats.server_errors += 1,
        _ => st.stats.client_errors += 1,
    }
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

async fn api(
    inner: &Inner,
    rest: &str,
    content_type: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Result<Value, ApiError> {
    let (token, method) = rest.split_once('/').unwrap_or((rest, ""));
    if token != inner.token {
        return Err(ApiError::new(401, "Unauthorized"));
    }
    let name = canonical(method);
    {
        let mut st = inner.st();
        let key = name.unwrap_or(method).to_string();
        *st.stats.calls.entry(key).or_default() += 1;
    }
    let Some(name) = name else {
        return Err(ApiError::new(404, "Not Found"));
    };
    let params = Params::parse(content_type, query, body)?;
    if name == "getUpdates" {
        return get_updates(inner, &params).await;
    }
    methods::call(inner, name, &params)
}

fn download(inner: Arc<Inner>, rest: &str) -> Response {
    let (token, path) = rest.split_once('/').unwrap_or((rest, ""));
    if token != inner.token {
        return json_response(401, ApiError::new(401, "Unauthorized").body());
    }
    // teloxide pushes the whole file_path as one URL segment, so its '/' arrives as %2F.
    let path = percent_decode(path);
    let mut st = inner.st();
    let Some(bytes) = st
        .files
        .values()
        .find(|f| f.path == path)
        .map(|f| f.bytes.clone())
    else {
        return json_response(404, ApiError::new(404, "Not Found").body());
    };
    if !st.faults.stream_files {
        st.stats.file_bytes_served += bytes.len() as u64;
        return (StatusCode::OK, bytes).into_response();
    }
    drop(st);
    // Counted as each piece is taken, so a client that stops reading is seen to stop.
    let pieces: Vec<Bytes> = bytes
        .chunks(64 * 1024)
        .map(Bytes::copy_from_slice)
        .collect();
    let counted = futures::stream::iter(pieces).map(move |piece| {
        inner.st().stats.file_bytes_served += piece.len() as u64;
        Ok::<_, std::convert::Infallible>(piece)
    });
    (StatusCode::OK, axum::body::Body::from_stream(counted)).into_response()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Clears the "someone is polling" flag even if the request is dropped mid-wait.
struct PollGuard<'a>(&'a Inner);

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        self.0.poller_busy.store(false, Ordering::SeqCst);
    }
}

async fn get_updates(inner: &Inner, p: &Params) -> Result<Value, ApiError> {
    let offset = p.opt_i64("offset")?.unwrap_or(0);
    let limit = p.opt_i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout =
        Duration::from_secs(p.opt_i64("timeout")?.unwrap_or(0).max(0) as u64).min(MAX_POLL);
    if inner.st().webhook.is_some() {
        return Err(ApiError::new(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ));
    }
    // One poller per token: any getUpdates while another is in progress is refused.
    if inner.poller_busy.swap(true, Ordering::SeqCst) {
        return Err(ApiError::new(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        ));
    }
    let _guard = PollGuard(inner);
    confirm(inner, offset);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = inner.updates_changed.notified();
        tokio::pin!(notified);
        // Registered before looking, so an update queued in between still wakes us.
        notified.as_mut().enable();
        let found = take(inner, offset, limit);
        if !found.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Value::Array(found));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return Ok(Value::Array(take(inner, offset, limit)));
        }
    }
}

/// Forgets updates before `offset` (a negative offset keeps only the last -offset ones).
fn confirm(inner: &Inner, offset: i64) {
    let mut st = inner.st();
    let before = st.updates.len();
    if offset < 0 {
        let keep = offset.unsigned_abs() as usize;
        while st.updates.len() > keep {
            st.updates.pop_front();
        }
    } else if offset > 0 {
        st.updates.retain(|u| {
            u.get("update_id")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX)
                >= offset
        });
    }
    let changed = st.updates.len() != before;
    drop(st);
    if changed {
        inner.updates_confirmed.notify_waiters();
    }
}

fn take(inner: &Inner, offset: i64, limit: usize) -> Vec<Value> {
    let st = inner.st();
    st.updates
        .iter()
        .filter(|u| {
            offset <= 0
                || u.get("update_id")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MAX)
                    >= offset
        })
        .take(limit)
        .cloned()
        .collect()
}
