//! Webhook mode: Telegram (or a load balancer in front of several replicas) posts each
//! update here. An update is answered 200 only once it is stored, so Telegram keeps
//! retrying one this process could not keep; any replica may store any update, and the
//! shared inbox hands it to whichever process is free. Requests arriving together are
//! stored with one commit (see `store_arrivals`).
use super::poller::chat_key;
use crate::inbound::Inbox;
use crate::store::{NewUpdate, Store};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot};

/// The header Telegram sends the `secret_token` of `setWebhook` in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Where updates are posted. (`GET /health` and the other operator routes are served
/// beside it by `ops::http`.)
pub const PATH: &str = "/telegram";

#[derive(Clone)]
struct Hook {
    secret: Arc<str>,
    /// To `store_arrivals`: an update, and where to say whether it was stored.
    arrivals: mpsc::Sender<(NewUpdate, oneshot::Sender<bool>)>,
}

/// At most this many arrivals share one commit.
const MAX_ARRIVALS: usize = 256;

/// The secret must be what Telegram accepts for `secret_token`: 1–256 of `A-Za-z0-9_-`.
pub fn valid_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The webhook route; it stores updates with a task of its own, which ends with the router.
pub fn router(store: Store, clock: crate::clock::Clock, secret: &str, inbox: Inbox) -> Router {
    let (arrivals, waiting) = mpsc::channel(4 * MAX_ARRIVALS);
    tokio::spawn(store_arrivals(store, clock, inbox, waiting));
    let hook = Hook {
        secret: secret.into(),
        arrivals,
    };
    Router::new().route(PATH, post(receive)).with_state(hook)
}

/// Store what arrived while the last commit ran, all in one commit, then tell each request
/// whether its update was stored: under load one commit serves many requests, and alone an
/// update waits for nothing but its own.
async fn store_arrivals(
    store: Store,
    clock: crate::clock::Clock,
    inbox: Inbox,
    mut waiting: mpsc::Receiver<(NewUpdate, oneshot::Sender<bool>)>,
) {
    let mut arrived = Vec::with_capacity(MAX_ARRIVALS);
    while waiting.recv_many(&mut arrived, MAX_ARRIVALS).await > 0 {
        let (rows, answers): (Vec<NewUpdate>, Vec<_>) = arrived.drain(..).unzip();
        // A failure is said by `Inbox::store`.
        let stored = inbox.store(&store, &rows, clock.now_ms()).await.is_ok();
        for answer in answers {
            // A request that went away is answered by nobody; Telegram sends it again.
            let _ = answer.send(stored);
        }
    }
}

async fn receive(State(h): State<Hook>, headers: HeaderMap, body: String) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    // Compared in constant time, so timing does not reveal how much of a guess was right.
    if !given.is_some_and(|g| bool::from(g.ct_eq(h.secret.as_bytes()))) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(update) = serde_json::from_str::<Value>(&body) else {
        // Telegram only sends JSON; retrying garbage would not make it readable.
        tracing::warn!("webhook body is not JSON; ignored");
        return StatusCode::OK;
    };
    let Some(update_id) = update["update_id"].as_i64() else {
        tracing::warn!("webhook update without update_id; ignored");
        return StatusCode::OK;
    };
    let row = NewUpdate {
        update_id,
        chat_key: chat_key(&update),
        payload: body,
    };
    let (answer, stored) = oneshot::channel();
    if h.arrivals.send((row, answer)).await.is_err() || stored.await != Ok(true) {
        // Not stored (said by `Inbox::store`): Telegram sends it again later.
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_what_telegram_accepts() {
        assert!(valid_secret("abc-DEF_123"));
        assert!(!valid_secret(""));
        assert!(!valid_secret("has space"));
        assert!(!valid_secret(&"a".repeat(257)));
    }
}
