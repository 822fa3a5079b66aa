//! The board in a real browser (Debian's Chromium, driven through chromedriver with
//! fantoccini): the token is required, a link's scope holds, a zero answer sent in the bot
//! flips its unit's tile in an open page within 2 s, a hazard's pin comes and goes, a
//! warning's tally moves, kiosk and English render, and the page asks no other host.
//! Screenshots go to `target/board-screenshots/`.

use crate::common::browser::{screenshot, until, Driver};
use crate::common::{place_units, Backend, TestBot, TestClock, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A change in the bot shows in an open page within this (PRODUCT.md).
const LIVE: Duration = Duration::from_secs(2);

async fn link(bot: &TestBot, addr: SocketAddr, unit: &str) -> String {
    let token = lookout::board::issue_token(&bot.store, unit, None, 0, None)
        .await
        .expect("token");
    format!("http://{addr}/board?t={token}")
}

async fn the_board_follows_the_bot_live(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let clock = TestClock::at("2026-11-16 07:55");
    let bot = TestBot::spawn_fast_on(b, config, clock).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let officer = bot.sim.user(41, "Officer", Some("zh"));
    let worker = bot.sim.user(42, "Worker", Some("en"));
    let lead = bot.sim.user(43, "Lead", Some("zh"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.advance_to_timer("sched:zero_report.remind").await;
    let driver = Driver::start().await;

    // No token, no board: the page says 401 and nothing more.
    let c = driver.browser(1920, 1080).await;
    c.goto(&format!("http://{addr}/board")).await.expect("goto");
    let shown = c
        .execute("return document.body.innerText.trim();", vec![])
        .await;
    assert_eq!(shown.ok(), Some(json!("401")));

    // The town's board: lijia is missing today; nanjiao (another town) is not there at all.
    let town = link(&bot, addr, "wangcun").await;
    c.goto(&town).await.expect("goto");
    until(
        &c,
        "lijia's tile",
        r#"document.querySelector('[data-unit="lijia"][data-state="missing"]')"#,
        WAIT,
    )
    .await;
    let elsewhere = c
        .execute(
            r#"return document.querySelector('[data-unit="nanjiao"]') === null;"#,
            vec![],
        )
        .await;
    assert_eq!(
        elsewhere.ok(),
        Some(json!(true)),
        "another town's unit on this board"
    );
    screenshot(&c, "wall-missing").await;

    // A zero answer in the bot flips the tile within 2 s, without a reload.
    let reply = bot.ask(&officer, "/zero").await;
    assert!(
        reply.text().contains("零报告") || reply.text().contains("已"),
        "{}",
        reply.text()
    );
    let took = until(
        &c,
        "the answered tile",
        r#"document.querySelector('[data-unit="lijia"][data-state="on_time"]')"#,
        LIVE,
    )
    .await;
    eprintln!("zero answer to tile: {took:?}");

    // A hazard with a location: a pin of its state's colour; it leaves once rejected.
    worker.send_photo(Some("Dry brush by the path"));
    bot.press_label(&worker, "forest fire risk").await;
    worker.send_location(36.81, 117.92);
    bot.press_label(&worker, "Submit (ordinary)").await;
    until(
        &c,
        "the hazard's pin",
        "document.querySelector('.pin-H-1.pin-reported')",
        WAIT,
    )
    .await;
    until(
        &c,
        "the hazard's row",
        r#"document.querySelector('[data-hazard="H-1"]')"#,
        LIVE,
    )
    .await;
    screenshot(&c, "wall-hazard").await;
    bot.ask(&officer, "/reject H-1 不属于隐患").await;
    until(
        &c,
        "the pin gone",
        "!document.querySelector('.pin-H-1')",
        WAIT,
    )
    .await;

    // A warning's tally moves as its recipients confirm.
    bot.ask(&lead, "/warn lijia yellow 大风").await;
    until(
        &c,
        "the warning",
        r#"(document.querySelector('[data-warning="W-1"] .tally')||{}).textContent === '0/2'"#,
        WAIT,
    )
    .await;
    let copy = bot
        .sim
        .wait_for(officer.id(), WAIT, |m| {
            m.button_data().contains(&"wok:1".to_string())
        })
        .await
        .expect("the copy");
    officer.press(&copy, "wok:1");
    until(
        &c,
        "the tally moving",
        r#"(document.querySelector('[data-warning="W-1"] .tally')||{}).textContent === '1/2'"#,
        WAIT,
    )
    .await;
    screenshot(&c, "wall-warning").await;

    // Nothing came from another host.
    let foreign = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)\
             .filter(n => !n.startsWith(location.origin));",
            vec![],
        )
        .await
        .expect("resources");
    assert_eq!(foreign, json!([]), "requests to other hosts");

    // Kiosk in English, and a phone.
    c.goto(&format!("{town}&kiosk=1&lang=en"))
        .await
        .expect("goto");
    until(&c, "the kiosk", "document.body.classList.contains('kiosk') && document.documentElement.lang === 'en' && document.title.includes('board')", WAIT).await;
    screenshot(&c, "wall-kiosk-en").await;
    let _ = c.close().await;
    let phone = driver.browser(390, 844).await;
    phone.goto(&town).await.expect("goto");
    until(
        &phone,
        "the phone layout",
        r#"document.querySelector('[data-unit="lijia"]')"#,
        WAIT,
    )
    .await;
    let fits = phone
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await;
    assert_eq!(
        fits.ok(),
        Some(json!(true)),
        "no sideways scrolling on a phone"
    );
    screenshot(&phone, "phone").await;

    // As a Telegram Mini App: the person's own units from signed initData; a forged one is refused.
    let now = bot.now_ms() / 1000;
    let app = |data: String| {
        let data: String = url::form_urlencoded::byte_serialize(data.as_bytes()).collect();
        format!("http://{addr}/board/app#tgWebAppData={data}&tgWebAppVersion=8.0")
    };
    phone
        .goto(&app(bot.sim.web_app_init_data(
            officer.id(),
            "Officer",
            now,
        )))
        .await
        .expect("goto");
    until(&phone, "the officer's own unit", r#"document.querySelector('[data-unit="lijia"]') && !document.querySelector('[data-unit="wangcun"]')"#, WAIT).await;
    let forged = bot
        .sim
        .web_app_init_data(officer.id(), "Officer", now)
        .replace("Officer", "Chief");
    // A new page, not a change of fragment (which a browser does not reload for).
    phone.goto("about:blank").await.expect("goto");
    phone.goto(&app(forged)).await.expect("goto");
    until(
        &phone,
        "the forged one refused",
        "document.body.innerText.trim() === '401'",
        WAIT,
    )
    .await;
    let _ = phone.close().await;
}

both_backends!(the_board_follows_the_bot_live);

/// An XYZ tile server of the test's own, on another port and so another origin: every tile
/// a plain green square; it counts what it was asked for.
async fn tile_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(256, 256, image::Rgb([200, 225, 200]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a PNG tile");
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = axum::Router::new().route(
        "/{z}/{x}/{y}",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let png = png.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "image/png")], png) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for tiles");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, asked)
}

/// `board.tiles` set: the base map loads from that server, which the page's
/// Content-Security-Policy lets through as the one other host; nothing else is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_shows_the_base_map_from_the_configured_tile_server() {
    let (tiles, asked) = tile_server().await;
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    config.board.tiles = Some(format!("http://{tiles}/{{z}}/{{x}}/{{y}}.png"));
    let bot =
        TestBot::spawn_fast_on(Backend::Sqlite, config, TestClock::at("2026-11-16 09:00")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let driver = Driver::start().await;
    let c = driver.browser(1280, 800).await;
    c.goto(&link(&bot, addr, "wangcun").await)
        .await
        .expect("goto");
    until(
        &c,
        "tiles shown",
        "document.querySelectorAll('#map img.leaflet-tile-loaded').length >= 4 \
         && !document.getElementById('map').classList.contains('plain')",
        WAIT,
    )
    .await;
    assert!(
        asked.load(Ordering::SeqCst) >= 4,
        "tiles asked of the server"
    );
    let elsewhere = c
        .execute(
            &format!(
                "return performance.getEntriesByType('resource').map(e => e.name)\
                 .filter(n => !n.startsWith(location.origin) && !n.startsWith('http://{tiles}/'));"
            ),
            vec![],
        )
        .await
        .expect("resources");
    assert_eq!(
        elsewhere,
        json!([]),
        "requests to hosts other than the tiles'"
    );
    screenshot(&c, "wall-tiles").await;
    let _ = c.close().await;
}

/// Past 300 units on the map they are dots on one canvas, not an element each with a name;
/// the tree still shows them all and follows an answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_district_is_dots_on_the_map() {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot =
        TestBot::spawn_fast_on(Backend::Sqlite, config, TestClock::at("2026-11-16 07:55")).await;
    let villages: String = (0..320)
        .map(|k| {
            format!(
                "[[unit]]\nid = \"v{k}\"\nname = \"{k}村\"\nparent = \"wangcun\"\nlat = {}\nlon = {}\n\n",
                36.7 + (k % 20) as f64 * 0.01,
                117.8 + (k / 20) as f64 * 0.01
            )
        })
        .collect();
    let existing = bot.store.units().await.expect("units");
    let entries =
        lookout::org::file::parse(&villages, "villages.toml", &existing).expect("villages parse");
    let mut tx = bot.store.begin().await.expect("tx");
    tx.import_units(&entries).await.expect("import");
    tx.commit().await.expect("commit");
    let officer = bot.sim.user(51, "Officer", Some("zh"));
    bot.join(&officer, "v7", Role::DutyOfficer).await;
    bot.advance_to_timer("sched:zero_report.remind").await;

    let addr = bot.running().http_addr.expect("an HTTP listener");
    let driver = Driver::start().await;
    let c = driver.browser(1920, 1080).await;
    c.goto(&link(&bot, addr, "wangcun").await)
        .await
        .expect("goto");
    until(
        &c,
        "the tree of 322 units and the dots",
        "document.querySelectorAll('#tree .unit').length === 322 \
         && document.querySelector('#map .leaflet-units-pane canvas') \
         && document.querySelectorAll('#map .unit-label').length === 0",
        WAIT,
    )
    .await;
    bot.ask(&officer, "/zero").await;
    until(
        &c,
        "v7 answered",
        r#"document.querySelector('[data-unit="v7"][data-state="on_time"]')"#,
        LIVE,
    )
    .await;
    screenshot(&c, "wall-dots").await;
    let _ = c.close().await;
}

/// Every unit of the town's scope in the tree, in the state given (a CSS attribute value).
const ALL_GREY: &str = "['wangcun', 'lijia', 'zhaojia'].every(u => \
     document.querySelector('#tree [data-unit=\"' + u + '\"][data-state=\"no_round\"]')) \
     && document.querySelectorAll('#tree .unit').length === 3";

/// Issue 24: a board opened with no round shows every unit of its scope (grey, on the map
/// where placed, the unplaced counted), says so once in its header with the next round's
/// opening; opening the round colours them without a reload. Off season the same, with the
/// season's first round.
async fn a_board_without_a_round_shows_its_district(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_fast_on(b, config, TestClock::at("2026-11-16 07:55")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    place_units(&bot).await;
    let officer = bot.sim.user(41, "Officer", Some("zh"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let driver = Driver::start().await;
    let c = driver.browser(1920, 1080).await;
    c.goto(&format!("{}&lang=en", link(&bot, addr, "wangcun").await))
        .await
        .expect("goto");
    until(&c, "every unit, grey", ALL_GREY, WAIT).await;
    until(
        &c,
        "the header and the map",
        "!document.getElementById('offround').hidden \
         && document.getElementById('offround').textContent.includes('2026-11-16 08:00') \
         && document.getElementById('round').hidden \
         && document.querySelectorAll('#map .unit-label.st-no_round').length === 2 \
         && !document.getElementById('unplaced').hidden \
         && /\\b1\\b/.test(document.getElementById('unplaced').textContent)",
        WAIT,
    )
    .await;
    // Said once: nowhere else on the page.
    let said = c
        .execute(
            "return document.body.innerText.split('No zero-report round now').length - 1;",
            vec![],
        )
        .await
        .expect("text");
    assert_eq!(said, json!(1), "the header says it, once");
    screenshot(&c, "wall-no-round").await;

    // The round opens: the page colours the units without a reload.
    c.execute("window.__samePage = true;", vec![])
        .await
        .expect("mark");
    bot.advance_to_timer("sched:zero_report.remind").await;
    let took = until(
        &c,
        "the round's colours",
        r#"document.querySelector('#tree [data-unit="lijia"][data-state="missing"]')
           && document.querySelector('#tree [data-unit="zhaojia"][data-state="not_expected"]')
           && document.querySelector('#map .unit-label.st-missing')
           && document.getElementById('offround').hidden && !document.getElementById('round').hidden"#,
        LIVE,
    )
    .await;
    eprintln!("round opened to colours: {took:?}");
    let same = c
        .execute("return window.__samePage === true;", vec![])
        .await;
    assert_eq!(same.ok(), Some(json!(true)), "no reload");
    let _ = c.close().await;
    drop(bot);

    // Off season: the same district, and when the season's first round opens.
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_fast_on(b, config, TestClock::at("2026-07-10 12:00")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    place_units(&bot).await;
    // A hazard sent without a location: pinned on its unit, in the list as such.
    let worker = bot.sim.user(42, "Worker", Some("en"));
    bot.join(&worker, "lijia", Role::GridWorker).await;
    worker.send_photo(Some("Dry brush by the path"));
    bot.press_label(&worker, "forest fire risk").await;
    bot.press_label(&worker, "Submit (ordinary)").await;
    bot.sim
        .wait_for(worker.id(), WAIT, |m| m.text().contains("H-1"))
        .await
        .expect("hazard submitted");
    let c = driver.browser(1920, 1080).await;
    c.goto(&link(&bot, addr, "wangcun").await)
        .await
        .expect("goto");
    until(&c, "every unit, grey, off season", ALL_GREY, WAIT).await;
    until(
        &c,
        "off season in the header",
        "document.getElementById('offround').textContent.includes('非防火期') \
         && document.getElementById('offround').textContent.includes('2026-11-01 08:00') \
         && document.querySelectorAll('#map .unit-label').length === 2",
        WAIT,
    )
    .await;
    until(
        &c,
        "the hazard pinned on its unit",
        r#"document.querySelector('#map .pin-H-1.pin-on-unit')
           && document.querySelector('[data-hazard="H-1"] .noloc').textContent === '标在所属单位'"#,
        WAIT,
    )
    .await;
    screenshot(&c, "wall-off-season").await;
    let _ = c.close().await;
}

both_backends!(a_board_without_a_round_shows_its_district);
