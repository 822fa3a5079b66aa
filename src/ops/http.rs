//! The HTTP listener: health checks and metrics for operators and load balancers, and in
//! webhook mode the route Telegram posts updates to (`telegram::webhook`), on one server.
//!
//! - `GET /healthz`: 200 while the process runs.
//! - `GET /readyz`: 200 while the database answers and no loop is stuck on a fault of the
//!   machine, else 503 naming the fault (`disk full`, `database unreachable`).
//! - `GET /health`: `{"ok":true,"pending_updates":N}` while ready (as `/readyz`), else 503
//!   (the webhook mode's original check, kept for load balancers pointed at it).
//! - `GET /metrics`: Prometheus text (see `metrics`).
//!
//! Every route is served behind `HttpLimits` (see `serve`).
use crate::clock::Clock;
use crate::store::{Fault, Faults, Store};
use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{BoxError, Json, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::{Service, ServiceBuilder};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

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

/// What the listener grants a client (PRODUCT.md "The HTTP listener holds up").
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A connection that has not sent a request's headers within this is closed (also an
    /// idle kept-alive one): a client holding connections open costs nothing for long.
    pub header_read: Duration,
    /// A request not answered within this gets 503 (Telegram sends a webhook update again).
    pub request: Duration,
    /// Requests in flight at most; past it a request gets 503 at once rather than waiting.
    pub in_flight: usize,
    /// A request body larger than this gets 413.
    pub body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            // Telegram opens at most 40 webhook connections (100 when asked); 20 board pages
            // poll one request each a second: 256 leaves room for both and bounds the rest.
            in_flight: 256,
            // A Telegram update is JSON of a message's text (4096 characters), captions and
            // entities, tens of kilobytes at most; files come as ids, never inline. The other
            // routes take no body at all.
            body_bytes: 1 << 20,
        }
    }
}

/// `app` behind the listener's limits: 503 at once past `in_flight` requests, 503 for a
/// request not answered within `request`, 413 for a body over `body_bytes`.
pub fn guarded(
    app: Router,
    limits: HttpLimits,
) -> impl Service<Request<Incoming>, Response = Response, Error = Infallible, Future: Send + 'static>
       + Clone
       + Send
       + 'static {
    ServiceBuilder::new()
        // Shed: the limit below is not ready, so the request is refused now, not queued.
        .layer(HandleErrorLayer::<_, ()>::new(|_: BoxError| async {
            (StatusCode::SERVICE_UNAVAILABLE, "busy\n")
        }))
        .load_shed()
        .concurrency_limit(limits.in_flight)
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        // Around the routes, which read the body: a body trickling in counts as well.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request,
        ))
        .service(app)
}

/// Serve `app` behind `limits` until `stop` turns true, then finish the requests in hand.
/// Served with hyper directly: `axum::serve` has no header-read timeout.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    mut stop: watch::Receiver<bool>,
) {
    let service = guarded(app, limits);
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let connections = GracefulShutdown::new();
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::pin!(stopped);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin on it.
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stopped => break,
        };
        let conn = http1.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(service.clone()),
        );
        let conn = connections.watch(conn);
        tokio::spawn(async move {
            // A client that went away or sent no headers in time: nothing to do about it.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "an HTTP connection ended");
            }
        });
    }
    drop(listener);
    // Each connection finishes the request in hand, then closes.
    connections.shutdown().await;
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
