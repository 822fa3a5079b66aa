//! The HTTP listener holds up (PRODUCT.md "Operations"): a connection that sends no request
//! headers in time is closed; a request not answered in time gets 503; past the bound on
//! requests in flight a new one gets 503 at once; bodies over the cap get 413; and many pages
//! on one board share one build a second. The limits are made short or small through
//! `Settings.http` (production: 10 s, 30 s, 256, 1 MB), on both backends.

use crate::common::{self, Backend, TestBot, WAIT};
use lookout::app::{Settings, Webhook};
use lookout::config::Config;
use lookout::ops::http::HttpLimits;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "listener-Secret_1";

/// A bot in webhook mode (its listener also serves the operator routes) with `limits`.
async fn hooked(b: Backend, limits: HttpLimits) -> (TestBot, SocketAddr) {
    let mut bot = TestBot::spawn(b).await;
    bot.kill();
    let mut s: Settings = bot.settings();
    s.webhook = Some(Webhook {
        listen: "127.0.0.1:0".parse().expect("addr"),
        secret: SECRET.into(),
        public_url: None,
    });
    s.http = limits;
    bot.start_with(s).await;
    let addr = bot.running().webhook_addr.expect("listening");
    (bot, addr)
}

/// An update as Telegram posts it, `pad` bytes of padding in a field nobody reads.
fn update(update_id: i64, pad: usize) -> String {
    serde_json::json!({
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "text": "/help",
                    "chat": {"id": 4242, "type": "private", "first_name": "P"},
                    "from": {"id": 4242, "is_bot": false, "first_name": "P"}},
        "padding": "x".repeat(pad),
    })
    .to_string()
}

/// The head of a webhook POST declaring a body of `length` bytes.
fn post_head(length: usize) -> String {
    format!(
        "POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Everything the server sends until it closes the connection, and when it closed it;
/// `None` if it still holds it open after `within`.
async fn until_closed(s: &mut TcpStream, within: Duration) -> Option<(Vec<u8>, Duration)> {
    let t = Instant::now();
    let mut got = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut got)).await {
        // A reset is a close too.
        Ok(_) => Some((got, t.elapsed())),
        Err(_) => None,
    }
}

/// The status of the first response on `s` (reading its head only).
async fn status_of(s: &mut TcpStream) -> u16 {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, s.read(&mut byte))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    status_line(&head)
}

fn status_line(response: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(response);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"))
}

/// One request on a new connection; the status and how long it took.
async fn once(addr: SocketAddr, request: &[u8]) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    (status_of(&mut s).await, t.elapsed())
}

fn healthz() -> &'static [u8] {
    b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n"
}

async fn silent_and_slow_clients_are_disconnected(b: Backend) {
    let header_read = Duration::from_millis(400);
    let (_bot, addr) = hooked(
        b,
        HttpLimits {
            header_read,
            ..HttpLimits::default()
        },
    )
    .await;
    let connected = Instant::now();
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let mut half = TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: applic")
        .await
        .expect("write");
    // Kept alive after one answer, then silent: closed the same way (its time runs from the
    // answer, which comes after the request is sent).
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    let asked = Instant::now();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(status_of(&mut idle).await, 200);
    for (what, s, since) in [
        ("nothing sent", &mut silent, connected),
        ("half the headers", &mut half, connected),
        ("idle after a request", &mut idle, asked),
    ] {
        assert!(
            until_closed(s, Duration::from_secs(10)).await.is_some(),
            "{what}: still open after 10 s"
        );
        let after = since.elapsed();
        assert!(
            after >= header_read && after < Duration::from_secs(5),
            "{what}: closed after {after:?}"
        );
    }
    // Not closed before its time: a client that takes a little while is served.
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .expect("write");
    tokio::time::sleep(header_read / 4).await;
    slow.write_all(b"Host: bot\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(status_of(&mut slow).await, 200);
}

async fn bodies_over_the_cap_get_413(b: Backend) {
    // The production cap (1 MB).
    let (bot, addr) = hooked(b, HttpLimits::default()).await;
    let cap = HttpLimits::default().body_bytes;
    assert_eq!(cap, 1 << 20);

    // Declared too large: 413 before a byte of it is read.
    let (status, took) = once(addr, post_head(cap + 1).as_bytes()).await;
    assert_eq!(status, 413);
    assert!(took < Duration::from_secs(5), "{took:?}");

    // Sent in chunks without a length, past the cap: 413 too, and nothing stored.
    let big = update(880_001, cap);
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("write");
    let (mut reader, mut writer) = s.into_split();
    let sending = tokio::spawn(async move {
        for chunk in big.as_bytes().chunks(64 * 1024) {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            // The server may answer and close before all of it is sent.
            if writer.write_all(&framed).await.is_err() {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, reader.read_to_end(&mut answer)).await;
    sending.abort();
    assert_eq!(status_line(&answer), 413);
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE update_id = 880001")
            .await,
        0
    );

    // Just under the cap: stored, 200.
    let body = update(880_002, cap - 1000);
    assert!(body.len() < cap);
    let request = [post_head(body.len()).as_bytes(), body.as_bytes()].concat();
    let (status, _) = once(addr, &request).await;
    assert_eq!(status, 200);
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM inbox WHERE update_id = 880002")
            .await,
        1
    );
}

async fn past_the_bound_in_flight_new_requests_get_503_at_once(b: Backend) {
    let (_bot, addr) = hooked(
        b,
        HttpLimits {
            in_flight: 2,
            ..HttpLimits::default()
        },
    )
    .await;
    assert_eq!(once(addr, healthz()).await.0, 200);
    // Two updates whose bodies never come: two requests in flight, for up to 30 s.
    let hold = || async {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(post_head(100).as_bytes()).await.expect("write");
        s
    };
    let mut held = vec![hold().await, hold().await];
    // Once the server has taken both, the next request is refused, and at once: a look at the
    // board as much as another update.
    let post = post_head(0);
    for request in [healthz(), post.as_bytes()] {
        let deadline = Instant::now() + WAIT;
        let took = loop {
            let (status, took) = once(addr, request).await;
            if status == 503 {
                break took;
            }
            assert_eq!(status, 200);
            // One held may itself have met the bound while the request before it was still
            // finishing on the server: shed, so hold another in its place.
            for s in &mut held {
                let mut got = [0u8; 256];
                match s.try_read(&mut got) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Ok(n) if String::from_utf8_lossy(&got[..n]).contains(" 503 ") => {
                        *s = hold().await
                    }
                    other => panic!("a held request ended: {other:?}"),
                }
            }
            assert!(
                Instant::now() < deadline,
                "never refused with 2 requests in flight"
            );
            // A connection at a time, not a flood of them.
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert!(took < Duration::from_secs(5), "503 after {took:?}");
    }
    // One of them goes away: room again.
    drop(held.pop());
    let deadline = Instant::now() + WAIT;
    while once(addr, healthz()).await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "no room after a request went away"
        );
    }
}

/// Holds the table the webhook stores into, from another connection: the webhook's handler
/// waits on the database.
async fn lock_inbox(bot: &TestBot) -> lookout::store::Tx {
    let mut tx = bot.store.begin().await.expect("begin");
    // SQLite's `begin` takes the write lock; PostgreSQL needs the table locked.
    if let lookout::store::Tx::Postgres(t) = &mut tx {
        sqlx::query("LOCK TABLE inbox IN EXCLUSIVE MODE")
            .execute(&mut **t)
            .await
            .expect("lock");
    }
    tx
}

async fn a_request_not_answered_in_time_gets_503(b: Backend) {
    let request = Duration::from_millis(500);
    let (bot, addr) = hooked(
        b,
        HttpLimits {
            request,
            ..HttpLimits::default()
        },
    )
    .await;
    // A body that never comes.
    let (status, took) = once(addr, post_head(100).as_bytes()).await;
    assert_eq!(status, 503);
    assert!(took >= request && took < Duration::from_secs(5), "{took:?}");

    // A handler waiting on the database (which waits up to 10 s on SQLite, for ever on
    // PostgreSQL): 503 when the time is up, and Telegram sends the update again.
    let body = update(880_100, 0);
    let post = [post_head(body.len()).as_bytes(), body.as_bytes()].concat();
    let lock = lock_inbox(&bot).await;
    let (status, took) = once(addr, &post).await;
    assert_eq!(status, 503);
    assert!(took >= request && took < Duration::from_secs(5), "{took:?}");
    drop(lock);
    // Sent again (as Telegram does after a 503): 200, and stored once.
    assert_eq!(once(addr, &post).await.0, 200);
    bot.wait_count("SELECT COUNT(*) FROM inbox WHERE update_id = 880100", 1)
        .await;
}

both_backends!(
    silent_and_slow_clients_are_disconnected,
    bodies_over_the_cap_get_413,
    past_the_bound_in_flight_new_requests_get_503_at_once,
    a_request_not_answered_in_time_gets_503
);

/// `lookout_board_builds_total` now.
async fn builds(addr: SocketAddr) -> i64 {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    text.lines()
        .find_map(|l| l.strip_prefix("lookout_board_builds_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no lookout_board_builds_total in\n{text}"))
}

/// Many pages on one board at once: one build, the same answer for all; another language or
/// another unit is another board; a second later, a new build. One test over both backends in
/// turn: the counter is the process's, so no other test's bot serves HTTP meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_on_one_board_share_one_build_a_second() {
    common::counting_board_builds(async {
        for b in [Backend::Sqlite, Backend::Postgres] {
            pages_share_builds(b).await;
        }
    })
    .await
}

async fn pages_share_builds(b: Backend) {
    const PAGES: usize = 16;
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let mut bot = TestBot::spawn_with(b, Default::default(), config).await;
    bot.kill();
    // A window no run of this test outlasts, however loaded the machine: within it, one build.
    let mut s = bot.settings();
    s.board_cache = Duration::from_secs(60);
    bot.start_with(s).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let district = lookout::board::issue_token(&bot.store, "zhoucun", None, 0, None)
        .await
        .expect("token");
    let town = lookout::board::issue_token(&bot.store, "wangcun", None, 0, None)
        .await
        .expect("token");
    let client = reqwest::Client::new();
    let url = |token: &str, lang: &str| format!("http://{addr}/api/board?t={token}&lang={lang}");

    let before = builds(addr).await;
    let pages = (0..PAGES).map(|_| async {
        let r = client
            .get(url(&district, "en"))
            .send()
            .await
            .expect("answers");
        let status = r.status().as_u16();
        let etag = r.headers()["etag"].clone();
        (status, etag, r.text().await.expect("body"))
    });
    let answers = futures::future::join_all(pages).await;
    assert_eq!(builds(addr).await - before, 1, "{PAGES} pages at once");
    let (_, etag, body) = &answers[0];
    assert!(body.contains("zhoucun"), "{body}");
    for (status, e, text) in &answers {
        assert_eq!((*status, e, text), (200, etag, body));
    }
    // A page that has it: 304 from the same build.
    let r = client
        .get(url(&district, "en"))
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 304);
    assert_eq!(builds(addr).await - before, 1);
    // The view carries its language's texts, and a unit's board is its subtree: each its own.
    client
        .get(url(&district, "zh"))
        .send()
        .await
        .expect("answers");
    client.get(url(&town, "en")).send().await.expect("answers");
    assert_eq!(builds(addr).await - before, 3);
    // Past the window, the next page asks for a new build (a short window here; the window's
    // arithmetic is tested on a moved clock in `board::cache`).
    bot.kill();
    let mut s = bot.settings();
    s.board_cache = Duration::from_millis(200);
    bot.start_with(s).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let get = || async {
        let r = client
            .get(format!("http://{addr}/api/board?t={district}&lang=en"))
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status().as_u16(), 200);
    };
    get().await;
    assert_eq!(builds(addr).await - before, 4);
    tokio::time::sleep(Duration::from_millis(200)).await;
    get().await;
    assert_eq!(builds(addr).await - before, 5);
    bot.shutdown().await;
}
