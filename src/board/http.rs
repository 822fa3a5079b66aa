//! The board over HTTP: `/board` (the page), `/board/assets/…` (its files, all served from
//! the binary) and `/api/board` (the same data as JSON). Both need a valid board token, as
//! `?t=TOKEN` or `Authorization: Bearer TOKEN`; without one: 401 and nothing else.
use super::cache::Shared;
use crate::config::Lang;
use crate::context::Ctx;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::Digest;
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Every file the page loads, compiled in: nothing comes from another host.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "board.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/board.css"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/board.js"),
    ),
    (
        "leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/leaflet/leaflet.css"),
    ),
    (
        "leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/leaflet/leaflet.js"),
    ),
    (
        "leaflet/images/layers.png",
        "image/png",
        include_bytes!("assets/leaflet/images/layers.png"),
    ),
    (
        "leaflet/images/layers-2x.png",
        "image/png",
        include_bytes!("assets/leaflet/images/layers-2x.png"),
    ),
    (
        "leaflet/images/marker-icon.png",
        "image/png",
        include_bytes!("assets/leaflet/images/marker-icon.png"),
    ),
    (
        "leaflet/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("assets/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "leaflet/images/marker-shadow.png",
        "image/png",
        include_bytes!("assets/leaflet/images/marker-shadow.png"),
    ),
    (
        "leaflet/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("assets/leaflet/LICENSE"),
    ),
];

const PAGE: &str = include_str!("assets/board.html");

#[derive(Clone)]
struct Board {
    ctx: Arc<Ctx>,
    /// Checks a Mini App's `initData`; `None` without a bot token (the CLI's tools).
    webapp: Option<super::webapp::WebAppKey>,
    months: Arc<super::MonthCounts>,
    /// One build per board (unit and language: the view carries its texts) a `window`.
    /// Per unit, language and shape (`compact`).
    built: Arc<Shared<(String, Lang, bool), Built>>,
}

/// A board's build: what every request for it within its window gets.
type Built = Result<Arc<Rendered>, Unavailable>;

/// A board as served: its JSON, the ETag over all of it but the time it was gathered, and
/// that time.
struct Rendered {
    json: Bytes,
    tag: HeaderValue,
    generated: Option<HeaderValue>,
}

/// Gathering the board failed (logged where it happened): 503.
#[derive(Clone, Copy)]
struct Unavailable;

/// The board's routes; a board built for one unit and language answers every request for it
/// within `window` (see `super::cache`).
pub fn router(
    ctx: Arc<Ctx>,
    webapp: Option<super::webapp::WebAppKey>,
    window: std::time::Duration,
) -> Router {
    Router::new()
        .route("/board", get(page))
        .route("/board/app", get(app_page))
        .route("/board/assets/{*path}", get(asset))
        .route("/api/board", get(api))
        .with_state(Board {
            ctx,
            webapp,
            months: Arc::default(),
            built: Arc::new(Shared::new(window)),
        })
        // For a phone on one bar of signal: a changed district board is 2 MB of JSON, a tenth
        // of that in gzip; the fastest level, as it is compressed each second it changes.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
}

#[derive(serde::Deserialize)]
struct Params {
    t: Option<String>,
    lang: Option<String>,
    /// A Mini App's `initData`, as Telegram gave it to the page.
    init: Option<String>,
    /// `compact=1` (the page): the tree only in `units`, not repeated in `round.units`.
    compact: Option<String>,
}

/// Same origin only; a configured tile server is the one other host images may come from.
fn policy(ctx: &Ctx) -> HeaderValue {
    let tiles = ctx
        .config
        .board
        .tiles
        .as_deref()
        .and_then(|t| url::Url::parse(t).ok())
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; \
         connect-src 'self'; frame-ancestors 'self' https://web.telegram.org"
    );
    HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, "401\n").into_response()
}

/// The unit a Mini App's signed `initData` opens: its person's own.
async fn app_viewer(b: &Board, init: &str) -> Result<Option<String>, Response> {
    let Some(key) = &b.webapp else {
        return Ok(None);
    };
    let now_s = b.ctx.clock.now_ms() / 1000;
    let user = match super::webapp::verify(key, init, now_s) {
        Ok(user) => user,
        Err(e) => {
            tracing::warn!(error = %e, "board: Mini App data refused");
            return Ok(None);
        }
    };
    let found = async {
        let sender = b.ctx.store.sender(user, user).await?;
        let tree = b.ctx.units.at(&b.ctx.store, sender.tree_version).await?;
        Ok::<_, crate::store::StoreError>(super::own_unit(&tree, &sender.member))
    };
    found.await.map_err(|e| {
        tracing::error!(error = %e, "board: reading the Mini App's person failed");
        (StatusCode::SERVICE_UNAVAILABLE, "503\n").into_response()
    })
}

/// The unit the request's token opens, if it is valid.
async fn viewer(
    ctx: &Ctx,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Option<String>, Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = params
        .t
        .as_deref()
        .or(bearer)
        .filter(|t| !t.is_empty() && t.len() <= 128)
    else {
        return Ok(None);
    };
    match ctx
        .store
        .board_token(&super::hash_token(token), ctx.clock.now_ms())
        .await
    {
        Ok(unit) => Ok(unit),
        Err(e) => {
            tracing::error!(error = %e, "board: checking a token failed");
            Err((StatusCode::SERVICE_UNAVAILABLE, "503\n").into_response())
        }
    }
}

fn lang(ctx: &Ctx, params: &Params) -> Lang {
    match params.lang.as_deref() {
        Some("en") => Lang::En,
        Some(l) if l.starts_with("zh") => Lang::ZhCn,
        _ => ctx.config.locale,
    }
}

fn page_response(ctx: &Ctx) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    r.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy(ctx));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn page(
    State(b): State<Board>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    match viewer(&b.ctx, &params, &headers).await {
        Ok(Some(_)) => page_response(&b.ctx),
        Ok(None) => unauthorized(),
        Err(r) => r,
    }
}

/// The Mini App's page: its credentials travel in the URL's fragment, which only the page
/// sees; it holds no data itself and asks `/api/board` with them.
async fn app_page(State(b): State<Board>) -> Response {
    page_response(&b.ctx)
}

async fn asset(State(b): State<Board>, Path(path): Path<String>) -> Response {
    let ctx = &b.ctx;
    match ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, kind, bytes)) => {
            let mut r = ([(header::CONTENT_TYPE, *kind)], *bytes).into_response();
            r.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy(ctx));
            r
        }
        None => (StatusCode::NOT_FOUND, "404\n").into_response(),
    }
}

async fn api(State(b): State<Board>, Query(params): Query<Params>, headers: HeaderMap) -> Response {
    let ctx = &b.ctx;
    let found = match params.init.as_deref() {
        Some(init) => app_viewer(&b, init).await,
        None => viewer(ctx, &params, &headers).await,
    };
    let unit = match found {
        Ok(Some(unit)) => unit,
        Ok(None) => return unauthorized(),
        Err(r) => return r,
    };
    let l = lang(ctx, &params);
    let compact = params.compact.as_deref() == Some("1");
    let build = || async {
        crate::metrics::board_built();
        match super::view(ctx, &b.months, &unit, l).await {
            Ok(mut view) => {
                if compact {
                    view.compact();
                }
                render(view).map(Arc::new)
            }
            Err(e) => {
                tracing::error!(error = %e, "board: gathering the view failed");
                Err(Unavailable)
            }
        }
    };
    match b.built.get((unit.clone(), l, compact), build).await {
        Ok(board) => board_response(&board, &headers),
        Err(Unavailable) => (StatusCode::SERVICE_UNAVAILABLE, "503\n").into_response(),
    }
}

/// The view as JSON, with an ETag over all of it but the time it was gathered.
fn render(mut view: super::View) -> Result<Rendered, Unavailable> {
    let generated = std::mem::take(&mut view.generated_at);
    let stamp = HeaderValue::from_str(&generated).ok();
    let serialized = serde_json::to_vec(&view).and_then(|unstamped| {
        view.generated_at = generated;
        Ok((unstamped, serde_json::to_vec(&view)?))
    });
    let (unstamped, json) = serialized.map_err(|e| {
        tracing::error!(error = %e, "board: the view does not serialize");
        Unavailable
    })?;
    let digest = sha2::Sha256::digest(&unstamped);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    // Weak: the same data is sent plain or in gzip. Hex digits always make a header value.
    let tag = HeaderValue::from_str(&format!("W/\"{hex}\"")).map_err(|_| Unavailable)?;
    Ok(Rendered {
        json: Bytes::from(json),
        tag,
        generated: stamp,
    })
}

/// The board, or 304 and no body for a page (or another system) that has it already (its
/// ETag). A page polls every second and a district's board is megabytes, so on a phone's data
/// plan this is most of the traffic. Either way `X-Board-Generated` says when the data was
/// gathered.
fn board_response(board: &Rendered, headers: &HeaderMap) -> Response {
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().as_bytes() == board.tag.as_bytes())
        });
    let mut r = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            board.json.clone(),
        )
            .into_response()
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::ETAG, board.tag.clone());
    if let Some(stamp) = &board.generated {
        h.insert("x-board-generated", stamp.clone());
    }
    r
}
