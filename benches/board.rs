//! The board (应急指挥“一张图”) at 10,000 units: a district of 100 towns with 99 villages each,
//! every unit placed on the map, on the last day of a month whose 29 earlier rounds every unit
//! was expected in (the timeliness chart's worst day), today's round open with a fifth of the
//! villages answered, the real bot with its HTTP listener, Debian's Chromium through
//! chromedriver.
//!
//! - `/api/board`: the whole district's JSON over HTTP, one request after another (ms, bytes).
//! - First render: a page opened in Chromium until its first board is on screen (the page's
//!   own `lookoutBoard.firstShownMs`: from navigation start to the frame after the first
//!   render), in a new browser (cold) and reloaded (warm); and what one update costs the page.
//! - Change to screen: a village's duty officer sends `/zero` in the bot; the time until that
//!   village's tile shows it in the open page (a MutationObserver in the page stamps the frame
//!   after the change, on the same wall clock).
//!
//! Target (PRODUCT.md): first render under 1 s and a change shown within 2 s, at 10,000 units.
//! `BOARD_TOWNS=N` (villages per town stay 99) or `BOARD_BACKENDS=sqlite` run a part and
//! write no results section.
#[path = "../tests/common/browser.rs"]
mod browser;
mod common;

use common::board::{District, TOWNS};
use common::Backend;
use serde_json::Value;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FIRST_TARGET_MS: f64 = 1000.0;
const CHANGE_TARGET_MS: f64 = 2000.0;
const API_REQUESTS: usize = 20;
const LOADS: usize = 5;
const CHANGES: usize = 5;

struct Result {
    backend: Backend,
    units: i64,
    api_ms: Vec<f64>,
    api_bytes: usize,
    /// One request in gzip: bytes, ms.
    gzip: (usize, f64),
    cold_ms: f64,
    warm_ms: Vec<f64>,
    update_ms: Vec<f64>,
    change_ms: Vec<f64>,
    /// `breakdown` of the last warm load.
    parts: [f64; 5],
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// One GET over a fresh connection, read to the end: (ms, body bytes); `gzip` asks for it.
async fn get(addr: SocketAddr, path: &str, gzip: bool) -> anyhow::Result<(f64, usize)> {
    let t = Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let accept = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{accept}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no HTTP response"))?;
    anyhow::ensure!(
        buf.starts_with(b"HTTP/1.1 200"),
        "not 200: {}",
        String::from_utf8_lossy(&buf[..head_end])
    );
    Ok((ms, buf.len() - head_end - 4))
}

async fn js(c: &fantoccini::Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap_or(Value::Null)
}

/// Where a first render's time went (ms since navigation start unless said): the page's
/// DOMContentLoaded, `/api/board` asked and received, the first render's script time (a
/// duration), the board on screen.
async fn breakdown(c: &fantoccini::Client) -> [f64; 5] {
    let v = js(
        c,
        "const n = performance.getEntriesByType('navigation')[0];
         const api = performance.getEntriesByType('resource').find(e => e.name.includes('/api/board'));
         const b = window.lookoutBoard;
         return [n.domContentLoadedEventEnd, api ? api.startTime : 0, api ? api.responseEnd : 0,
                 b.firstRenderMs, b.firstShownMs];",
    )
    .await;
    let mut out = [f64::NAN; 5];
    for (o, x) in out.iter_mut().zip(v.as_array().into_iter().flatten()) {
        *o = x.as_f64().unwrap_or(f64::NAN);
    }
    out
}

/// Waits for the page's first board on screen; its time since navigation start.
async fn first_shown(c: &fantoccini::Client) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = js(
            c,
            "return window.lookoutBoard ? window.lookoutBoard.firstShownMs : null;",
        )
        .await;
        if let Some(ms) = v.as_f64().filter(|ms| *ms > 0.0) {
            return Ok(ms);
        }
        anyhow::ensure!(Instant::now() < deadline, "the board never showed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run(backend: Backend, towns: usize) -> anyhow::Result<Result> {
    // Each request builds the board: this measures a build (`board_poll` measures pages
    // sharing them).
    let (d, running) = District::open(backend, towns, "board", Some(Duration::ZERO)).await?;
    let addr = District::addr(&running)?;
    let (store, units) = (&d.store, d.units);
    let villages = d.villages();
    let answered = d.answered;
    let token = lookout::board::issue_token(store, "d", None, d.now_ms(), None).await?;
    let mut api_ms = Vec::new();
    let mut api_bytes = 0;
    for _ in 0..API_REQUESTS {
        let (ms, bytes) = get(addr, &format!("/api/board?t={token}"), false).await?;
        api_ms.push(ms);
        api_bytes = bytes;
    }
    // As a browser asks: in gzip.
    let (gzip_ms, gzip_bytes) = get(addr, &format!("/api/board?t={token}"), true).await?;
    let api_ms = sorted(api_ms);
    println!(
        "  /api/board: {api_bytes} bytes, p50 {:.0} ms, max {:.0} ms; in gzip {gzip_bytes} bytes, {gzip_ms:.0} ms",
        percentile(&api_ms, 0.5),
        api_ms.last().copied().unwrap_or(f64::NAN)
    );

    let link = format!("http://{addr}/board?t={token}");
    let driver = browser::Driver::start().await;
    let c = driver.browser(1920, 1080).await;
    c.goto(&link).await?;
    let cold_ms = first_shown(&c).await?;
    let mut warm_ms = Vec::new();
    for _ in 1..LOADS {
        c.goto("about:blank").await?;
        c.goto(&link).await?;
        warm_ms.push(first_shown(&c).await?);
    }
    let parts = breakdown(&c).await;
    println!(
        "  first render: cold {cold_ms:.0} ms, warm {warm_ms:.0?} ms; the last: page loaded {:.0}, \
         data asked {:.0} → in {:.0}, first render's script {:.0}, on screen {:.0} ms",
        parts[0], parts[1], parts[2], parts[3], parts[4]
    );

    // Change to screen, village after village among those still silent.
    let mut change_ms = Vec::new();
    let mut update_ms = Vec::new();
    for (unit, officer) in villages.iter().skip(answered).take(CHANGES) {
        let id = &d.org.units[*unit].id;
        let armed = js(
            &c,
            &format!(
                "const el = document.querySelector('[data-unit=\"{id}\"]');
                 if (!el) return false;
                 window.flipped = null;
                 new MutationObserver((_, o) => {{
                   if (el.dataset.state !== 'missing') {{
                     o.disconnect();
                     requestAnimationFrame(() => setTimeout(() => {{ window.flipped = Date.now(); }}));
                   }}
                 }}).observe(el, {{ attributes: true }});
                 return el.dataset.state === 'missing';"
            ),
        )
        .await;
        anyhow::ensure!(armed == Value::Bool(true), "{id}'s tile is not waiting");
        let sent = chrono::Utc::now().timestamp_millis();
        officer.send_text("/zero");
        let deadline = Instant::now() + Duration::from_secs(30);
        let flipped = loop {
            if let Some(at) = js(&c, "return window.flipped;").await.as_i64() {
                break at;
            }
            anyhow::ensure!(Instant::now() < deadline, "{id}'s tile never changed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        change_ms.push((flipped - sent) as f64);
        if let Some(ms) = js(&c, "return window.lookoutBoard.lastRenderMs;")
            .await
            .as_f64()
        {
            update_ms.push(ms);
        }
    }
    println!("  change to screen: {change_ms:.0?} ms; an update's render {update_ms:.0?} ms");
    browser::screenshot(&c, &format!("bench-{}", backend.name())).await;
    let _ = c.close().await;
    drop(driver);

    d.close(running).await?;
    Ok(Result {
        backend,
        units,
        api_ms,
        api_bytes,
        gzip: (gzip_bytes, gzip_ms),
        cold_ms,
        warm_ms: sorted(warm_ms),
        update_ms: sorted(update_ms),
        change_ms: sorted(change_ms),
        parts,
    })
}

fn section(results: &[Result]) -> String {
    let mut md = String::from(
        "## The board (`cargo bench --bench board`)\n\n\
         A district of 10,001 units (100 towns × 99 villages), every unit placed on the map, \
         on the last day of a month whose 29 earlier rounds expected every unit (290,029 \
         expected answers, nine in ten given: the timeliness chart's worst day), today's round \
         open, a fifth of the villages answered; the real bot with its HTTP \
         listener and Debian's Chromium (headless, 1920×1080) through chromedriver. \
         `/api/board`: the district's JSON as other systems get it (the tree in `units` and \
         again in `round.units`; the page asks `compact=1`, without the repeat), 20 requests \
         one after another, each on a new connection (the first of them, the max, also counts the month's earlier rounds, \
         which are then kept until the next round opens); then one in gzip, as a browser asks. First render: navigation start → the frame after the page's first board \
         (`lookoutBoard.firstShownMs`), in a new browser (cold) and on 4 reloads (warm). Change \
         to screen: a village officer's `/zero` sent in the bot → the frame after that \
         village's tile changed in the open page (the page polls every second), 5 villages; \
         update = the page's script time for one such poll.\n\n\
         | backend | units | `/api/board` bytes (gzip) | `/api/board` p50 / max ms (gzip) | first render cold ms | warm p50 / max ms | change to screen p50 / max ms | update p50 / max ms |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        let max = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "| {} | {} | {} ({}) | {:.0} / {:.0} ({:.0}) | {:.0} | {:.0} / {:.0} | {:.0} / {:.0} | {:.0} / {:.0} |",
            r.backend.name(),
            r.units,
            r.api_bytes,
            r.gzip.0,
            percentile(&r.api_ms, 0.5),
            max(&r.api_ms),
            r.gzip.1,
            r.cold_ms,
            percentile(&r.warm_ms, 0.5),
            max(&r.warm_ms),
            percentile(&r.change_ms, 0.5),
            max(&r.change_ms),
            percentile(&r.update_ms, 0.5),
            max(&r.update_ms),
        );
    }
    md.push_str(
        "\nWhere a first render's time goes (the last warm load; ms since navigation start): the \
         page and its scripts loaded (DOMContentLoaded), `/api/board` asked → its last byte in, \
         the first render's script time, the board on screen.\n\n\
         | backend | page loaded | data asked → in | render script | on screen |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for r in results {
        let p = r.parts;
        let _ = writeln!(
            md,
            "| {} | {:.0} | {:.0} → {:.0} | {:.0} | {:.0} |",
            r.backend.name(),
            p[0],
            p[1],
            p[2],
            p[3],
            p[4]
        );
    }
    let worst_first = results
        .iter()
        .flat_map(|r| r.warm_ms.iter().copied().chain([r.cold_ms]))
        .fold(0.0, f64::max);
    let worst_change = results
        .iter()
        .flat_map(|r| r.change_ms.iter().copied())
        .fold(0.0, f64::max);
    let met = worst_first < FIRST_TARGET_MS && worst_change < CHANGE_TARGET_MS;
    let _ = writeln!(
        md,
        "\nTarget: first render under 1 s and a change shown within 2 s, at 10,000 units: **{}** \
         (first render at worst {:.0} ms, change to screen at worst {:.0} ms).",
        if met { "met" } else { "missed" },
        worst_first,
        worst_change
    );
    md
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let towns: usize = common::env_num("BOARD_TOWNS", TOWNS);
    let backends = std::env::var("BOARD_BACKENDS").unwrap_or("sqlite,postgres".into());
    let mut results = Vec::new();
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        if backends.contains(name) {
            results.push(run(backend, towns).await?);
        }
    }
    let md = section(&results);
    println!("\n{md}");
    if towns == TOWNS && backends == "sqlite,postgres" {
        let path = common::write_section("board", &md)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
