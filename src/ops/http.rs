//! The HTTP listener: health checks and metrics for operators and load balancers, and in
//! webhook mode the route Telegram posts updates to (`telegram::webhook`), on one server.
//!
//! - `GET /healthz`: 200 while the process runs.
//! - `GET /readyz`: 200 while the database answers and no loop is stuck on a fault of the
//!   machine, else 503 naming the fault (`disk full`, `database unreachable`).
//! - `GET /health`: `{"ok":true,"pending_updates":N}` while ready (as `/readyz`), else 503
//!   (the webhook mode's original check, kept for load balancers pointed at it).
//! - `GET /metrics`: Prometheus text (see `metrics`).
use crate::clock::Clock;
use crate::store::{Fault, Faults, Store};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A database slower than this to answer counts as not answering.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Ops {
    store: Store,
    clock: Clock,
    faults: Faults,
}

/// The operator routes; merge a webhook router into it to serve both on one listener.
pub fn router(store: Store, clock: Clock, faults: Faults) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(Ops {
            store,
            clock,
            faults,
        })
}

/// Serve `app` until `stop` turns true, then finish the requests in hand.
pub async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stopped)
        .await
    {
        tracing::error!(error = %e, "the HTTP server failed");
    }
}

async fn ready(State(o): State<Ops>) -> (StatusCode, String) {
    // A loop stuck on a fault of the machine (a full disk takes writes, not `SELECT 1`).
    if let Some(fault) = o.faults.current() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", fault.as_str()),
        );
    }
    let ping = async {
        match &o.store {
            Store::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(drop),
            Store::Batch(_) => Ok(()),
        }
    };
    let unreachable = Fault::Unreachable.as_str();
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n".into()),
        Ok(Err(e)) => {
            let fault = Fault::of(&e.into()).unwrap_or(Fault::Unreachable);
            tracing::debug!(
                fault = fault.as_str(),
                "readiness check: the database did not answer"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{}\n", fault.as_str()),
            )
        }
        Err(_) => {
            tracing::debug!("readiness check: database did not answer within {READY_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{unreachable}\n"))
        }
    }
}

/// 200 while the database answers, with how many updates wait.
async fn health(State(o): State<Ops>) -> (StatusCode, Json<Value>) {
    let unavailable = |fault: Fault| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ok": false, "error": fault.as_str() })),
        )
    };
    if let Some(fault) = o.faults.current() {
        return unavailable(fault);
    }
    match o.store.pending_update_count().await {
        Ok(n) => (
            StatusCode::OK,
            Json(json!({ "ok": true, "pending_updates": n })),
        ),
        Err(e) => {
            tracing::debug!(error = %e, "health check: the database did not answer");
            unavailable(Fault::of(&e).unwrap_or(Fault::Unreachable))
        }
    }
}

async fn metrics(State(o): State<Ops>) -> impl IntoResponse {
    let text = super::metrics::render(&o.store, o.clock.now_ms()).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}
