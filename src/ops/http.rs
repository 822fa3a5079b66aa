//! The HTTP listener: health checks and metrics for operators and load balancers, and in
//! webhook mode the route Telegram posts updates to (`telegram::webhook`), on one server.
//!
//! - `GET /healthz`: 200 while the process runs.
//! - `GET /readyz`: 200 while the database answers, 503 otherwise.
//! - `GET /health`: `{"ok":true,"pending_updates":N}` while the database answers, else 503
//!   (the webhook mode's original check, kept for load balancers pointed at it).
//! - `GET /metrics`: Prometheus text (see `metrics`).
use crate::clock::Clock;
use crate::store::Store;
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
}

/// The operator routes; merge a webhook router into it to serve both on one listener.
pub fn router(store: Store, clock: Clock) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(Ops { store, clock })
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

async fn ready(State(o): State<Ops>) -> (StatusCode, &'static str) {
    let ping = async {
        match &o.store {
            Store::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(drop),
            Store::Batch(_) => Ok(()),
        }
    };
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer within {READY_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// 200 while the database answers, with how many updates wait.
async fn health(State(o): State<Ops>) -> (StatusCode, Json<Value>) {
    match o.store.pending_update_count().await {
        Ok(n) => (
            StatusCode::OK,
            Json(json!({ "ok": true, "pending_updates": n })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "ok": false, "error": "database unavailable" })),
            )
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
