//! `/wecom`: the app's "receive messages" URL. WeCom verifies it with a GET and posts each
//! member's message encrypted; a message is answered 200 only once it is stored, so WeCom
//! sends again one this process could not keep, and a redelivery is stored once.
use super::crypto::{Crypto, CryptoError};
use super::message::{self, Kind};
use crate::clock::Clock;
use crate::inbound::Inbox;
use crate::store::{Store, WecomArrival};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

pub const PATH: &str = "/wecom";

/// A signed request older or newer than this is refused: a replay of a captured one, or a
/// clock gone wrong.
const FRESH_SECS: u64 = 300;

#[derive(Clone)]
struct Hook {
    crypto: Arc<Crypto>,
    store: Store,
    clock: Clock,
    inbox: Inbox,
}

#[derive(Deserialize)]
struct Signed {
    msg_signature: String,
    timestamp: String,
    nonce: String,
    echostr: Option<String>,
}

pub fn router(crypto: Crypto, store: Store, clock: Clock, inbox: Inbox) -> Router {
    let hook = Hook {
        crypto: Arc::new(crypto),
        store,
        clock,
        inbox,
    };
    Router::new()
        .route(PATH, get(verify).post(receive))
        .with_state(hook)
}

impl Hook {
    /// The request is WeCom's: signed with our token, and recent.
    fn genuine(&self, q: &Signed, encrypted: &str) -> bool {
        let fresh = q
            .timestamp
            .parse::<i64>()
            // Not a subtraction: a timestamp 2^63 s away would overflow it (a panic, or a
            // wrapped difference that reads as fresh).
            .is_ok_and(|t| (self.clock.now_ms() / 1000).abs_diff(t) <= FRESH_SECS);
        fresh
            && self
                .crypto
                .verify(&q.msg_signature, &q.timestamp, &q.nonce, encrypted)
    }
}

/// URL verification: the decrypted `echostr`, to show we hold the key.
async fn verify(State(h): State<Hook>, Query(q): Query<Signed>) -> Result<String, StatusCode> {
    let echo = q.echostr.as_deref().ok_or(StatusCode::BAD_REQUEST)?;
    if !h.genuine(&q, echo) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let plain = h.crypto.decrypt(echo).map_err(refusal)?;
    String::from_utf8(plain).map_err(|_| StatusCode::BAD_REQUEST)
}

async fn receive(
    State(h): State<Hook>,
    Query(q): Query<Signed>,
    body: String,
) -> Result<&'static str, StatusCode> {
    let envelope = message::envelope(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    if !h.genuine(&q, &envelope.encrypt) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let plain = h.crypto.decrypt(&envelope.encrypt).map_err(refusal)?;
    let xml = String::from_utf8(plain).map_err(|_| StatusCode::BAD_REQUEST)?;
    // A NUL is in no well-formed XML, and PostgreSQL's text cannot hold one: stored, it
    // would fail (503, and WeCom's retries after it) on one backend and be taken on the other.
    let read = if xml.contains('\0') {
        Err(message::MessageError::Malformed("a NUL character"))
    } else {
        message::parse(&xml)
    };
    let Ok(inbound) = read else {
        // Signed by WeCom but unreadable: sending it again would not make it readable.
        tracing::warn!("a WeCom message that could not be read was ignored");
        return Ok("");
    };
    let card_code = match &inbound.kind {
        Kind::CardPress {
            task_id,
            response_code,
            ..
        } => Some((task_id.clone(), response_code.clone())),
        _ => None,
    };
    let arrival = WecomArrival {
        source_key: inbound.dedup_key(),
        from: inbound.from.clone(),
        payload: xml,
        card_code,
    };
    // Not stored (the failure is said by `Inbox`): WeCom sends it again.
    match h
        .inbox
        .store_wecom(&h.store, &arrival, h.clock.now_ms())
        .await
    {
        Ok(_) => Ok(""),
        Err(_) => Err(StatusCode::SERVICE_UNAVAILABLE),
    }
}

fn refusal(e: CryptoError) -> StatusCode {
    match e {
        CryptoError::ForeignCorp | CryptoError::BadSignature => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    }
}
