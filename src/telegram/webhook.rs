//! Webhook mode: Telegram (or a load balancer in front of several replicas) posts each
//! update here. An update is answered 200 only once it is stored, so Telegram keeps
//! retrying one this process could not keep; any replica may store any update, and the
//! shared inbox hands it to whichever process is free.
use super::intake::chat_key;
use crate::store::{NewUpdate, Store};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::Notify;

/// The header Telegram sends the `secret_token` of `setWebhook` in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Where updates are posted. (`GET /health` and the other operator routes are served
/// beside it by `ops::http`.)
pub const PATH: &str = "/telegram";

#[derive(Clone)]
struct Hook {
    store: Store,
    clock: crate::clock::Clock,
    secret: Arc<str>,
    wake: Arc<Notify>,
}

/// The secret must be what Telegram accepts for `secret_token`: 1–256 of `A-Za-z0-9_-`.
pub fn valid_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn router(store: Store, clock: crate::clock::Clock, secret: &str, wake: Arc<Notify>) -> Router {
    let hook = Hook {
        store,
        clock,
        secret: secret.into(),
        wake,
    };
    Router::new().route(PATH, post(receive)).with_state(hook)
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
    match h.store.add_updates(&[row], h.clock.now_ms()).await {
        Ok(_) => {
            h.wake.notify_one();
            StatusCode::OK
        }
        Err(e) => {
            // Not stored: Telegram sends it again later.
            tracing::error!(update_id, error = %e, "storing a webhook update failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
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
